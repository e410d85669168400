import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP } from "node:net";
import type { buildConnector, Dispatcher } from "undici";
import { cancelledError, MediagateError } from "../errors.js";
import type { isPrivateAddress } from "./address-ranges.js";

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

/** Resolves a host name to all its addresses, as `dns.lookup` with `all: true` does. */
export type Resolve = (
  hostname: string,
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (hostname, callback) =>
  dnsLookup(hostname, { all: true }, (error, addresses) => callback(error, addresses ?? []));

/** `host:port` as the connector sees it, the host without brackets, the port always written. */
function endpointKey(hostname: string, port: string | number | undefined, protocol: string): string {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const written = port === undefined || port === "" ? (protocol === "https:" ? "443" : "80") : String(port);
  return `${host}:${written}`;
}

/**
 * A dispatcher whose every connection (each redirect hop included) is checked where it is made: the
 * addresses the name actually resolved to, not just the host name, so DNS tricks cannot reach a private
 * address. `privateOrigins` are let through by their literal host and port alone.
 */
function guardedDispatcher(
  { Agent, buildConnector, interceptors }: typeof import("undici"),
  isPrivate: typeof isPrivateAddress,
  privateOrigins: ReadonlySet<string>,
  resolve: Resolve,
): Dispatcher {
  const lookup = (hostname: string, options: object, callback: LookupCallback) => {
    resolve(hostname, (error, list) => {
      if (error) return callback(error, []);
      const bad = list.find((entry) => isPrivate(entry.address));
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
    if (privateOrigins.has(endpointKey(host, options.port, options.protocol))) {
      return connector(options, callback);
    }
    if (isPrivate(host)) return callback(refused(host, host), null);
    connector(options, callback);
  };
  return new Agent({ connect: guarded }).compose(interceptors.redirect({ maxRedirections: 5 }));
}

/**
 * `http://127.0.0.1:41234` → `127.0.0.1:41234`. Only a literal IP address names an origin here: a name
 * would be resolved again at each connection, and could then point anywhere.
 */
function originKey(origin: string): string {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) === 0) {
    throw new MediagateError("invalid_input", `${origin}: a private origin must name an IP address`);
  }
  return endpointKey(host, url.port, url.protocol);
}

let openDispatcher: Dispatcher | undefined;
const guardedDispatchers = new Map<string, Dispatcher>();
async function dispatcherFor(
  undici: typeof import("undici"),
  options: UrlSourceOptions,
): Promise<Dispatcher> {
  if (options.allowPrivate) {
    openDispatcher ??= new undici.Agent().compose(undici.interceptors.redirect({ maxRedirections: 5 }));
    return openDispatcher;
  }
  const origins = new Set((options.privateOrigins ?? []).map(originKey));
  const { isPrivateAddress } = await import("./address-ranges.js");
  if (options.resolve) return guardedDispatcher(undici, isPrivateAddress, origins, options.resolve);
  const key = [...origins].sort().join(" ");
  let dispatcher = guardedDispatchers.get(key);
  if (!dispatcher) {
    dispatcher = guardedDispatcher(undici, isPrivateAddress, origins, systemResolve);
    guardedDispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

export interface UrlSourceOptions {
  /** Whether private and loopback addresses may be fetched (stdio mode, or MEDIAGATE_ALLOW_PRIVATE_URLS=1). */
  allowPrivate: boolean;
  /**
   * Origins on private addresses that may still be fetched when `allowPrivate` is false, each exactly
   * (`http://127.0.0.1:41234`: that address and port, nothing else): the sandbox's own emulators. Default none.
   */
  privateOrigins?: readonly string[];
  /** How host names are resolved; default the system's resolver (`dns.lookup`). */
  resolve?: Resolve;
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
  const dispatcher = await dispatcherFor(undici, options);
  try {
    response = await undici.request(url, {
      method: "GET",
      headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
      dispatcher,
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
