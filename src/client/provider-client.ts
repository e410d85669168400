import { Readable } from "node:stream";
import type { Agent, Dispatcher } from "undici";
import { log } from "../log.js";
import type { Authenticator, Provider, ProviderConfig } from "../providers/types.js";
import { kindForStatus, MediagateError, redact, remedyFor } from "./errors.js";
import { defaultRetryPolicy, parseRetryAfter, type RetryPolicy, retryDelay } from "./retry.js";
import { type HttpMethod, joinUrl } from "./route.js";

/** A streamed request body, made anew for each attempt so a retry can send it again. */
export interface StreamBody {
  contentType: string;
  length?: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, already filled and encoded. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  stream?: StreamBody;
  headers?: Record<string, string>;
  /** Whether the request may be repeated; default: true for GET, PUT and DELETE. */
  safe?: boolean;
  /** Per-attempt time limit in ms; default the client's. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Set false to get a successful answer's whole body, envelope included (job polling reads its status). */
  envelope?: boolean;
}

export interface ClientOptions {
  dispatcher?: Dispatcher;
  retryPolicy?: RetryPolicy;
  /** Per-attempt time limit in ms. Default 30000. */
  timeoutMs?: number;
  /** Largest provider answer read, in bytes. Default 8 MiB. */
  maxResponseBytes?: number;
}

// undici is loaded on the first provider request, not at start-up: it is a large share of the time a
// client waits for tools/list, and listing tools needs no HTTP client.
let undici: Promise<typeof import("undici")> | undefined;
const loadUndici = () => {
  undici ??= import("undici");
  return undici;
};

let sharedAgent: Agent | undefined;
/** One connection pool for every provider, so connections are reused across calls. */
export async function defaultDispatcher(): Promise<Agent> {
  const { Agent } = await loadUndici();
  sharedAgent ??= new Agent({ keepAliveTimeout: 10_000, connections: 64, pipelining: 1 });
  return sharedAgent;
}

const safeMethods = new Set<HttpMethod>(["GET", "PUT", "DELETE"]);
const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Executes requests for one provider: base URL, auth, envelope, timeouts, cancellation, retries, caps.
 * Redirects are never followed (undici's default), so credentials cannot travel to another origin.
 */
export class ProviderClient<C extends ProviderConfig = ProviderConfig> {
  readonly provider: Provider<C>;
  readonly config: C;
  private readonly authenticator: Authenticator;
  /** The shared pool, set on the first request, unless one was given. */
  private dispatcher: Dispatcher | undefined;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;

  constructor(provider: Provider<C>, config: C, options: ClientOptions = {}) {
    this.provider = provider;
    this.config = config;
    this.authenticator = provider.auth(config);
    this.dispatcher = options.dispatcher;
    this.policy = options.retryPolicy ?? defaultRetryPolicy;
    this.timeoutMs = options.timeoutMs ?? config.requestTimeoutMs ?? 30_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  }

  /** Sends an authenticated request and returns the provider's data, its envelope taken off. */
  async send(req: HttpRequest): Promise<unknown> {
    const authHeaders = await this.authenticator.headers((r) => this.execute(r, {}), req.signal);
    try {
      return await this.execute(req, authHeaders);
    } catch (error) {
      // A cached token the provider no longer accepts: get a fresh one once.
      if (error instanceof MediagateError && error.kind === "auth" && this.authenticator.invalidate) {
        log("info", "token refused; exchanging the credentials again", { provider: this.provider.id });
        this.authenticator.invalidate();
        const fresh = await this.authenticator.headers((r) => this.execute(r, {}), req.signal);
        return await this.execute(req, fresh);
      }
      throw error;
    }
  }

  private async execute(req: HttpRequest, authHeaders: Record<string, string>): Promise<unknown> {
    const safe = req.safe ?? safeMethods.has(req.method);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(req, authHeaders);
      } catch (error) {
        if (!(error instanceof MediagateError)) throw error;
        const retryable = error.kind === "network" || error.kind === "timeout" || error.status !== undefined;
        const delay = retryable
          ? retryDelay(
              {
                ...(error.status === undefined ? {} : { status: error.status }),
                ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
              },
              attempt,
              safe,
              this.policy,
            )
          : undefined;
        if (delay === undefined) throw error;
        log("info", "retrying provider request", {
          provider: this.provider.id,
          path: req.path,
          attempt,
          delayMs: delay,
          status: error.status,
        });
        await sleep(delay, req.signal).catch(() => {
          throw this.cancelled();
        });
      }
    }
  }

  private cancelled(): MediagateError {
    return new MediagateError("cancelled", "Cancelled by the client; the provider request was stopped.", {
      provider: this.provider.name,
    });
  }

  private async attempt(req: HttpRequest, authHeaders: Record<string, string>): Promise<unknown> {
    const name = this.provider.name;
    if (req.signal?.aborted) throw this.cancelled();
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const url = joinUrl(this.config.baseUrl, req.path, req.query);
    const headers: Record<string, string> = { accept: "application/json", ...req.headers, ...authHeaders };
    let body: string | Readable | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers["content-type"] = "application/json";
    } else if (req.stream) {
      body = Readable.from(req.stream.open(), { objectMode: false });
      headers["content-type"] = req.stream.contentType;
      if (req.stream.length !== undefined) headers["content-length"] = String(req.stream.length);
    }
    const started = performance.now();
    let status: number | undefined;
    let text: string;
    let responseHeaders: Record<string, string | string[] | undefined>;
    const { request, errors: undiciErrors } = await loadUndici();
    this.dispatcher ??= await defaultDispatcher();
    // One controller and one timer per attempt: AbortSignal.timeout with AbortSignal.any costs several
    // times as much on every request and keeps its signals alive until a garbage collection.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, "TimeoutError"));
    }, timeoutMs);
    const onCancel = () => controller.abort(req.signal?.reason);
    req.signal?.addEventListener("abort", onCancel, { once: true });
    if (req.signal?.aborted) onCancel();
    try {
      const response = await request(url, {
        method: req.method,
        headers,
        body,
        signal: controller.signal,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = response.statusCode;
      responseHeaders = response.headers;
      text = await readCapped(response.body, this.maxResponseBytes, name);
    } catch (error) {
      if (error instanceof MediagateError) throw error;
      if (req.signal?.aborted) throw this.cancelled();
      if (
        timedOut ||
        error instanceof undiciErrors.HeadersTimeoutError ||
        error instanceof undiciErrors.BodyTimeoutError
      ) {
        throw new MediagateError("timeout", `no answer within ${formatDuration(timeoutMs)}`, {
          provider: name,
          remedy: remedyFor("timeout", ""),
          cause: error,
        });
      }
      const code = (error as { code?: string }).code;
      if (status !== undefined) {
        // The provider answered, then the body broke off: it may well have done what was asked.
        const safe = req.safe ?? safeMethods.has(req.method);
        throw new MediagateError(
          "network",
          `answer truncated: HTTP ${status}, the body broke off before its end`,
          {
            provider: name,
            remedy: safe
              ? remedyFor("network", "")
              : "The request reached the provider and may have been carried out: check (e.g. list or get the item) before calling again.",
            cause: error,
          },
        );
      }
      throw new MediagateError("network", `could not reach ${url.origin}${code ? ` (${code})` : ""}`, {
        provider: name,
        remedy: remedyFor("network", ""),
        cause: error,
      });
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", onCancel);
    }
    log("debug", "provider request", {
      provider: this.provider.id,
      method: req.method,
      path: url.pathname,
      status,
      ms: Math.round(performance.now() - started),
    });
    // The credentials of this request (an exchanged token included) never reach an error message, even
    // when the provider's own message repeats them.
    const credentials = Object.values(authHeaders);
    return this.interpret(status, text, responseHeaders, req.envelope !== false, credentials);
  }

  private interpret(
    status: number,
    text: string,
    headers: Record<string, string | string[] | undefined>,
    unwrapEnvelope: boolean,
    credentials: readonly string[],
  ): unknown {
    const name = this.provider.name;
    let parsed: unknown;
    let parseFailed = false;
    if (text.trim() === "") parsed = undefined;
    else {
      try {
        parsed = JSON.parse(text);
      } catch {
        parseFailed = true;
      }
    }
    const ok = status >= 200 && status < 300;
    // No Content is a whole answer: the tools that get it (delete, update) need no data.
    if ((status === 204 || status === 205) && parsed === undefined && !parseFailed) return undefined;
    const unwrapped = parsed === undefined || parseFailed ? undefined : this.provider.unwrap(status, parsed);
    if (status >= 300 && status < 400) {
      const location = headers.location;
      const target = (Array.isArray(location) ? location[0] : location)?.slice(0, 200) ?? "another address";
      throw new MediagateError("rejected", "redirected", {
        provider: name,
        status,
        providerMessage: redact(
          `redirect to ${target} not followed, so the credentials stay with ${name}`,
          credentials,
        ),
        remedy:
          "Set the provider's base URL to its API's own address (the redirect's target, if you trust it).",
      });
    }
    if (!ok) {
      const kind = kindForStatus(status);
      const retryAfterMs = parseRetryAfter(headers);
      const message =
        unwrapped && !unwrapped.ok
          ? unwrapped.message
          : text.trim() === ""
            ? "(empty answer)"
            : text.trim().slice(0, 200);
      return this.fail(kind, status, redact(message, credentials), retryAfterMs);
    }
    if (parsed === undefined && !parseFailed) {
      throw new MediagateError("bad_response", "answered with an empty body", {
        provider: name,
        status,
        providerMessage: "the answer is empty",
        remedy: remedyFor("bad_response", ""),
      });
    }
    if (parseFailed || !unwrapped) {
      throw new MediagateError("bad_response", "answered with malformed JSON", {
        provider: name,
        status,
        providerMessage: "the answer is not valid JSON",
        remedy: remedyFor("bad_response", ""),
      });
    }
    if (!unwrapEnvelope) return parsed;
    if (!unwrapped.ok) return this.fail("rejected", status, redact(unwrapped.message, credentials));
    return unwrapped.data;
  }

  private fail(
    kind: ReturnType<typeof kindForStatus>,
    status: number,
    message: string,
    retryAfterMs?: number,
  ): never {
    throw new MediagateError(kind, message, {
      provider: this.provider.name,
      status,
      providerMessage: message,
      remedy: remedyFor(kind, `Check ${this.provider.credentialVariables}.`, retryAfterMs),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy?: () => void },
  cap: number,
  provider: string,
) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > cap) {
      body.destroy?.();
      throw new MediagateError("bad_response", `answer larger than ${Math.round(cap / 1024 / 1024)} MiB`, {
        provider,
        remedy: remedyFor("bad_response", ""),
      });
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString("utf8");
}
