import { Readable } from "node:stream";
import type { Agent, Dispatcher } from "undici";
import { kindForStatus, MediagateError, redact, remedyFor } from "../errors.js";
import { log } from "../log.js";
import type { Authenticator, HttpMethod, HttpRequest, ProviderConfig, ProviderProfile } from "../types.js";
import { defaultRetryPolicy, parseRetryAfter, type RetryPolicy, retryDelay } from "./retry.js";
import { joinUrl } from "./route.js";

export interface ClientOptions {
  dispatcher?: Dispatcher;
  retryPolicy?: RetryPolicy;
  /** Per-attempt time limit in ms. Default 30000. */
  timeoutMs?: number;
  /**
   * Time limit of one request across all its attempts, retries and redirects, in ms. Default 50000: under
   * the 60 s tool-call timeout common to MCP clients, so mediagate answers first, with a clear error.
   */
  budgetMs?: number;
  /** An answer whose body sends nothing for this long, in ms, is a timeout. Default 10000. */
  stallMs?: number;
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
/** Redirects followed in a row before giving up, as a browser would after a loop. */
const maxRedirects = 3;
/** 307 and 308 say "same method, same body"; 301, 302 and 303 turn a request into a GET. */
const methodKeepingRedirects = new Set([307, 308]);
const getOnlyRedirects = new Set([301, 302, 303]);

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
 * A redirect is followed only to the same origin (at most 3 in a row, credentials kept), as the official
 * clients' HTTP libraries do (requests, axios); to any other origin it is refused, so credentials never
 * travel there. Every request has a budget across its attempts (50 s by default) and a stall limit on the
 * answer's body (10 s), so no call outlives the 60 s timeout of MCP clients because of a slow provider.
 */
export class ProviderClient {
  readonly provider: ProviderProfile;
  readonly config: ProviderConfig;
  private readonly authenticator: Authenticator;
  /** The shared pool, set on the first request, unless one was given. */
  private dispatcher: Dispatcher | undefined;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  /** Time limit of one request across its attempts, in ms: procedures share it among their requests. */
  readonly budgetMs: number;
  private readonly stallMs: number;
  private readonly maxResponseBytes: number;

  constructor(provider: ProviderProfile, config: ProviderConfig, options: ClientOptions = {}) {
    this.provider = provider;
    this.config = config;
    this.authenticator = provider.auth(config);
    this.dispatcher = options.dispatcher;
    this.policy = options.retryPolicy ?? defaultRetryPolicy;
    this.timeoutMs = options.timeoutMs ?? config.requestTimeoutMs ?? 30_000;
    this.budgetMs = options.budgetMs ?? config.requestBudgetMs ?? 50_000;
    this.stallMs = options.stallMs ?? config.stallTimeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  }

  /** Sends an authenticated request and returns the provider's data, its envelope taken off. */
  async send(req: HttpRequest): Promise<unknown> {
    // One budget for everything this request needs: a token exchange, its attempts, a token refresh.
    const budgeted: HttpRequest = { ...req, deadline: this.deadlineOf(req) };
    const exchange = (r: HttpRequest) => this.execute({ ...r, deadline: budgeted.deadline }, {});
    const authHeaders = await this.authenticator.headers(exchange, req.signal);
    try {
      return await this.execute(budgeted, authHeaders);
    } catch (error) {
      // A cached token the provider no longer accepts: get a fresh one once.
      if (error instanceof MediagateError && error.kind === "auth" && this.authenticator.invalidate) {
        log("info", "token refused; exchanging the credentials again", { provider: this.provider.id });
        this.authenticator.invalidate();
        const fresh = await this.authenticator.headers(exchange, req.signal);
        return await this.execute(budgeted, fresh);
      }
      throw error;
    }
  }

  /** When the request's budget ends: the client's budget from now, or the caller's earlier deadline. */
  private deadlineOf(req: HttpRequest): number {
    const exempt = req.timeoutMs !== undefined && req.timeoutMs > this.budgetMs;
    const budgetEnd = exempt ? Number.POSITIVE_INFINITY : Date.now() + this.budgetMs;
    return Math.min(budgetEnd, req.deadline ?? Number.POSITIVE_INFINITY);
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
        const left = (req.deadline ?? Number.POSITIVE_INFINITY) - Date.now();
        // No time for another attempt: the error of the last one says what happened.
        if (delay >= left - 1) throw error;
        log("info", "retrying provider request", {
          provider: this.provider.id,
          path: req.path,
          attempt,
          delayMs: delay,
          status: error.status,
        });
        await sleep(delay, req.signal).catch(() => {
          throw this.stopped(req.signal);
        });
      }
    }
  }

  /** The client cancelled, or the call's own time limit (`wait_s`, `timeout_s`) ran out. */
  private stopped(signal: AbortSignal | undefined): MediagateError {
    const reason = signal?.reason as { name?: string } | undefined;
    if (reason?.name === "TimeoutError") {
      return new MediagateError("timeout", "the call's own time limit ran out before the answer came", {
        provider: this.provider.name,
        remedy: remedyFor("timeout", ""),
      });
    }
    return new MediagateError("cancelled", "Cancelled by the client; the provider request was stopped.", {
      provider: this.provider.name,
    });
  }

  private async attempt(req: HttpRequest, authHeaders: Record<string, string>): Promise<unknown> {
    const name = this.provider.name;
    if (req.signal?.aborted) throw this.stopped(req.signal);
    const ownLimitMs = req.timeoutMs ?? this.timeoutMs;
    const leftMs = (req.deadline ?? Number.POSITIVE_INFINITY) - Date.now();
    if (leftMs <= 0) throw this.timeoutError("budget", req);
    const timeoutMs = Math.min(ownLimitMs, leftMs);
    const limit: "attempt" | "budget" = timeoutMs < ownLimitMs ? "budget" : "attempt";
    let url = joinUrl(this.config.baseUrl, req.path, req.query);
    const started = performance.now();
    let status: number | undefined;
    let text = "";
    let responseHeaders: Record<string, string | string[] | undefined> = {};
    // The credentials of this request (an exchanged token included) never reach an error message, even
    // when the provider's own message repeats them.
    const credentials = Object.values(authHeaders);
    const { request, errors: undiciErrors } = await loadUndici();
    this.dispatcher ??= await defaultDispatcher();
    // One controller and one timer per attempt, redirects included: AbortSignal.timeout with
    // AbortSignal.any costs several times as much on every request and keeps its signals alive until a
    // garbage collection.
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
      for (let redirects = 0; ; redirects++) {
        const headers: Record<string, string> = {
          accept: "application/json",
          ...req.headers,
          ...authHeaders,
        };
        let body: string | Readable | undefined;
        if (req.json !== undefined) {
          body = JSON.stringify(req.json);
          headers["content-type"] = "application/json";
        } else if (req.stream) {
          // Opened anew for each hop: a 307/308 redirect sends the same body again.
          body = Readable.from(req.stream.open(), { objectMode: false });
          headers["content-type"] = req.stream.contentType;
          if (req.stream.length !== undefined) headers["content-length"] = String(req.stream.length);
        }
        status = undefined;
        const response = await request(url, {
          method: req.method,
          headers,
          body,
          signal: controller.signal,
          dispatcher: this.dispatcher,
          headersTimeout: timeoutMs,
          // undici's body timeout is the longest pause between two pieces of the body: the stall rule.
          bodyTimeout: this.stallMs,
        });
        status = response.statusCode;
        responseHeaders = response.headers;
        text = await readCapped(response.body, this.maxResponseBytes, name);
        const next =
          status >= 300 && status < 400
            ? this.redirectTarget(req, url, status, responseHeaders, redirects, credentials)
            : undefined;
        if (!next) break;
        log("debug", "following provider redirect", {
          provider: this.provider.id,
          status,
          from: url.pathname,
          to: next.pathname,
        });
        url = next;
      }
    } catch (error) {
      if (error instanceof MediagateError) throw error;
      if (req.signal?.aborted) throw this.stopped(req.signal);
      if (timedOut || error instanceof undiciErrors.HeadersTimeoutError) {
        throw this.timeoutError(limit, req, timeoutMs, status, error);
      }
      if (error instanceof undiciErrors.BodyTimeoutError && status !== undefined) {
        throw this.timeoutError("stall", req, this.stallMs, status, error);
      }
      const code = (error as { code?: string }).code;
      if (status !== undefined) {
        // The provider answered, then the body broke off: it may well have done what was asked.
        throw new MediagateError(
          "network",
          `answer truncated: HTTP ${status}, the body broke off before its end`,
          { provider: name, remedy: this.afterPartialAnswer(req, "network"), cause: error },
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
    return this.interpret(status as number, text, responseHeaders, req.envelope !== false, credentials);
  }

  /** What to do after an answer that began and never ended: an unsafe request may have been carried out. */
  private afterPartialAnswer(req: HttpRequest, kind: "network" | "timeout"): string | undefined {
    const safe = req.safe ?? safeMethods.has(req.method);
    return safe
      ? remedyFor(kind, "")
      : "The request reached the provider and may have been carried out: check (e.g. list or get the item) before calling again.";
  }

  /**
   * A timeout as the agent should read it: which limit ran out (one attempt's, the request's whole
   * budget, or the answer's body stalling), and what to do.
   */
  private timeoutError(
    limit: "attempt" | "budget" | "stall",
    req: HttpRequest,
    ms?: number,
    status?: number,
    cause?: unknown,
  ): MediagateError {
    const message =
      limit === "stall"
        ? `answer stalled: HTTP ${status} arrived, then the body sent nothing for ${formatDuration(ms ?? 0)}`
        : limit === "budget"
          ? `no answer before the request's time budget ran out (${formatDuration(this.budgetMs)} across all attempts, less when the call's own wait ends sooner)`
          : `no answer within ${formatDuration(ms ?? 0)}`;
    return new MediagateError("timeout", message, {
      provider: this.provider.name,
      remedy: status === undefined ? remedyFor("timeout", "") : this.afterPartialAnswer(req, "timeout"),
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /**
   * Where a redirect may be followed: the same origin only, at most `maxRedirects` in a row; 307/308 for
   * any request (same method, same body), 301/302/303 for a GET only. A 301/302/303 answer to any other
   * method is refused rather than turned into a GET, as a browser would: that would drop the body and
   * send a different request than the one asked for. Returns undefined when the answer is not a redirect
   * to follow (no Location: the answer is reported as it is).
   */
  private redirectTarget(
    req: HttpRequest,
    from: URL,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    redirects: number,
    credentials: readonly string[],
  ): URL | undefined {
    const name = this.provider.name;
    const raw = headers.location;
    const location = Array.isArray(raw) ? raw[0] : raw;
    if (!location) return undefined;
    const shown = location.slice(0, 200);
    const refuse = (why: string, remedy: string): never => {
      throw new MediagateError("rejected", "redirected", {
        provider: name,
        status,
        providerMessage: redact(`redirect to ${shown} not followed: ${why}`, credentials),
        remedy,
      });
    };
    const baseUrlRemedy =
      "Set the provider's base URL to its API's own address (the redirect's target, if you trust it).";
    let target: URL;
    try {
      target = new URL(location, from);
    } catch {
      return refuse("the address is not a valid URL", baseUrlRemedy);
    }
    if (target.origin !== from.origin) {
      return refuse(`it leads to another origin, so the credentials stay with ${name}`, baseUrlRemedy);
    }
    if (!methodKeepingRedirects.has(status) && !getOnlyRedirects.has(status)) {
      return refuse(`HTTP ${status} is not a redirect mediagate follows`, baseUrlRemedy);
    }
    if (getOnlyRedirects.has(status) && req.method !== "GET") {
      return refuse(
        `HTTP ${status} would turn this ${req.method} into a GET without its body, so it was not sent again`,
        "The request was not carried out at the redirect's target. Set the provider's base URL to the address the API redirects to, then call again.",
      );
    }
    if (redirects >= maxRedirects) {
      return refuse(`more than ${maxRedirects} redirects in a row`, baseUrlRemedy);
    }
    return target;
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
      throw new MediagateError("rejected", "redirected", {
        provider: name,
        status,
        providerMessage: `HTTP ${status} without a Location to follow`,
        remedy: "Check that the provider's base URL points at its API.",
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
      remedy: remedyFor(
        kind,
        this.provider.authRemedy?.(this.config) ?? `Check ${this.provider.credentialVariables}.`,
        retryAfterMs,
      ),
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
