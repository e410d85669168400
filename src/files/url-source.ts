import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";
import type { buildConnector, Dispatcher } from "undici";
import { cancelledError, MediagateError } from "../errors.js";

/** Addresses a `url` source may not reach from a server others call over HTTP: loopback, private, link-local, etc. */
const privateRanges = (() => {
  const list = new BlockList();
  for (const [network, prefix] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ] as const) {
    list.addSubnet(network, prefix, "ipv4");
  }
  for (const [network, prefix] of [
    ["::", 128],
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
    ["64:ff9b::", 96],
    ["2001:db8::", 32],
  ] as const) {
    list.addSubnet(network, prefix, "ipv6");
  }
  return list;
})();

/** True for loopback, private, link-local, carrier-grade NAT, multicast and reserved addresses (IPv4-mapped included). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return privateRanges.check(address, family === 4 ? "ipv4" : "ipv6");
}

function refused(host: string, address: string): MediagateError {
  return new MediagateError(
    "invalid_input",
    `url: ${host} resolves to ${address}, a private or loopback address, which mediagate does not fetch when serving over HTTP; use a public URL (or set MEDIAGATE_ALLOW_PRIVATE_URLS=1 on a trusted network)`,
  );
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A dispatcher whose every connection (redirects included) is checked where it is made: the addresses
 * the name actually resolved to, not just the host name, so DNS tricks cannot reach a private address.
 */
function guardedDispatcher({ Agent, buildConnector, interceptors }: typeof import("undici")): Dispatcher {
  const lookup = (hostname: string, options: object, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const list = addresses as LookupAddress[];
      const bad = list.find((entry) => isPrivateAddress(entry.address));
      if (bad) return callback(refused(hostname, bad.address) as NodeJS.ErrnoException, []);
      if ((options as { all?: boolean }).all) return callback(null, list);
      const first = list[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
      callback(null, first.address, first.family);
    });
  };
  const connector = buildConnector({ lookup } as buildConnector.BuildOptions);
  const guarded: buildConnector.connector = (options, callback) => {
    const host = options.hostname.replace(/^\[|\]$/g, "");
    if (isPrivateAddress(host)) return callback(refused(host, host), null);
    connector(options, callback);
  };
  return new Agent({ connect: guarded }).compose(interceptors.redirect({ maxRedirections: 5 }));
}

let openDispatcher: Dispatcher | undefined;
let privateDispatcher: Dispatcher | undefined;
function dispatcherFor(undici: typeof import("undici"), allowPrivate: boolean): Dispatcher {
  if (allowPrivate) {
    openDispatcher ??= new undici.Agent().compose(undici.interceptors.redirect({ maxRedirections: 5 }));
    return openDispatcher;
  }
  privateDispatcher ??= guardedDispatcher(undici);
  return privateDispatcher;
}

export interface UrlSourceOptions {
  /** Whether private and loopback addresses may be fetched (stdio mode, or MEDIAGATE_ALLOW_PRIVATE_URLS=1). */
  allowPrivate: boolean;
  /** Byte to start from (resuming an upload); asked for with a Range header. Default 0. */
  offset?: number;
  /**
   * Refuse a source that answers a Range request with the whole file, instead of reading and dropping
   * the bytes before `offset`. Default false.
   */
  rangeOnly?: boolean;
  /** Largest source accepted, in bytes. */
  maxBytes: number;
  signal: AbortSignal;
}

/** An opened `url` source: its length when the server said it, and its bytes from `offset` on. */
export interface OpenedUrl {
  /** The whole resource's size, or undefined when the server sent no length. */
  total: number | undefined;
  /** The file name from the URL's path, for a default title. */
  name: string;
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): void };
}

/** Checks that a `url` input is an http(s) URL; anything else is refused before any request. */
export function parseSourceUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MediagateError("invalid_input", `url: "${text.slice(0, 200)}" is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new MediagateError(
      "invalid_input",
      `url: only http and https URLs can be uploaded (got ${url.protocol.replace(/:$/, "")}); for a local file use file_path`,
    );
  }
  return url;
}

/**
 * Opens a `url` source for streaming. Redirects are followed (up to 5), each checked like the first.
 * The answer's body is not read here: the caller streams it part by part.
 */
export async function openUrl(text: string, options: UrlSourceOptions): Promise<OpenedUrl> {
  const url = parseSourceUrl(text);
  const offset = options.offset ?? 0;
  const name = decodeURIComponent(url.pathname.split("/").filter(Boolean).at(-1) ?? "") || url.hostname;
  let response: Dispatcher.ResponseData;
  // Loaded when a URL is opened, not at start-up: listing tools needs no HTTP client.
  const undici = await import("undici");
  try {
    response = await undici.request(url, {
      method: "GET",
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      dispatcher: dispatcherFor(undici, options.allowPrivate),
      signal: options.signal,
      headersTimeout: 30_000,
      bodyTimeout: 60_000,
    });
  } catch (error) {
    if (error instanceof MediagateError) throw error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof MediagateError) throw cause;
    if (options.signal.aborted) throw cancelledError();
    const code = (error as { code?: string }).code;
    throw new MediagateError("network", `url: could not fetch ${url.origin}${code ? ` (${code})` : ""}`, {
      remedy: "Check that the URL is reachable from the server running mediagate.",
    });
  }
  const { statusCode, headers, body } = response;
  // Destroying the body (a refusal, a cancel, the end of an upload) must not surface as an unhandled
  // error; a failure while it is being read still reaches the reader.
  body.on("error", () => undefined);
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (statusCode < 200 || statusCode >= 300) {
    body.destroy();
    throw new MediagateError(
      statusCode === 404 ? "not_found" : "rejected",
      `url: the server answered HTTP ${statusCode} for ${url.origin}${url.pathname}`,
      { remedy: "Check the URL (a signed link may have expired)." },
    );
  }
  let total: number | undefined;
  let skip = 0;
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header("content-range") ?? "");
  if (statusCode === 206 && range) {
    if (Number(range[1]) !== offset) {
      body.destroy();
      throw new MediagateError("bad_response", `url: asked for bytes from ${offset}, got ${range[0]}`);
    }
    total = range[3] === "*" ? undefined : Number(range[3]);
  } else if (offset > 0 && options.rangeOnly) {
    body.destroy();
    throw new MediagateError(
      "bad_response",
      `url: the source ignores Range requests, so it cannot be read again from byte ${offset} without downloading everything before it`,
    );
  } else {
    // No range support: read from the start and drop what was already uploaded.
    skip = offset;
    const length = header("content-length");
    total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  }
  if (total !== undefined && total > options.maxBytes) {
    body.destroy();
    throw new MediagateError(
      "too_large",
      `url: the file is ${total} bytes, more than the ${options.maxBytes} bytes mediagate uploads`,
    );
  }
  if (total === 0) {
    body.destroy();
    throw new MediagateError("invalid_input", "url: the file is empty");
  }
  return { total, name, body: skip > 0 ? skipBytes(body, skip) : body };
}

function skipBytes(
  body: AsyncIterable<Uint8Array> & { destroy(error?: Error): void },
  count: number,
): AsyncIterable<Uint8Array> & { destroy(error?: Error): void } {
  async function* rest() {
    let left = count;
    for await (const chunk of body) {
      if (left >= chunk.byteLength) {
        left -= chunk.byteLength;
        continue;
      }
      yield left > 0 ? chunk.subarray(left) : chunk;
      left = 0;
    }
  }
  return Object.assign(rest(), { destroy: (error?: Error) => body.destroy(error) });
}
