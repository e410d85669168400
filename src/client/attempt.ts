import { Readable } from "node:stream";
import type { Agent, Dispatcher } from "undici";
import { cancelledError, MediagateError, redact, remedyFor } from "../errors.js";
import { log, logs } from "../log.js";
import type { HttpRequest, ProviderProfile } from "../types.js";
import { watchCancel } from "./cancel-watch.js";
import type { Answer } from "./interpret.js";
import { isSafeToRepeat } from "./retry.js";
import { type ApiBase, apiBase, requestPath } from "./route.js";

// undici is loaded on the first provider request, not at start-up: it is a large share of the time a
// client waits for tools/list, and listing tools needs no HTTP client. Only the part provider requests
// use is loaded (http-core.ts).
let undici: Promise<typeof import("./http-core.js")> | undefined;
const loadUndici = () => {
  undici ??= import("./http-core.js");
  return undici;
};

let sharedAgent: Agent | undefined;
/** One connection pool for every provider, so connections are reused across calls. */
export async function defaultDispatcher(): Promise<Agent> {
  const { Agent } = await loadUndici();
  sharedAgent ??= new Agent({ keepAliveTimeout: 10_000, connections: 64, pipelining: 1 });
  return sharedAgent;
}

/** Redirects followed in a row before giving up, as a browser would after a loop. */
const maxRedirects = 3;
/** 307 and 308 say "same method, same body"; 301, 302 and 303 turn a request into a GET. */
const methodKeepingRedirects = new Set([307, 308]);
const getOnlyRedirects = new Set([301, 302, 303]);

/** One attempt under way: where its current hop goes, and that hop's reader, which the timer and a cancel stop. */
interface Exchange {
  readonly req: HttpRequest;
  readonly authHeaders: Record<string, string>;
  readonly dispatcher: Dispatcher;
  readonly timeoutMs: number;
  origin: string;
  path: string;
  reader: AnswerReader | undefined;
  timedOut: boolean;
}

const noAnswerWithin = (ms: number) => new DOMException(`no answer within ${ms} ms`, "TimeoutError");

/** The limits one attempt runs under, in ms (bytes for the answer's size). */
export interface AttemptLimits {
  /** Per-attempt time limit, unless the request sets its own. */
  timeoutMs: number;
  /** The request's budget across its attempts: named when it is what ran out. */
  budgetMs: number;
  /** Longest pause in an answer's body. */
  stallMs: number;
  /** Largest answer read. */
  maxResponseBytes: number;
}

/**
 * One attempt of a provider request over undici: its time limit (the attempt's own, or what is left of
 * the request's budget), cancellation passed down, same-origin redirects followed, the answer's body
 * read up to its size cap and its stall limit. What the answer means is interpret.ts's concern.
 */
export class HttpAttempts {
  private readonly profile: Pick<ProviderProfile, "id" | "name">;
  private readonly base: ApiBase;
  /** The shared pool, set on the first request, unless one was given. */
  private dispatcher: Dispatcher | undefined;
  private readonly timeoutMs: number;
  private readonly budgetMs: number;
  private readonly stallMs: number;
  private readonly maxResponseBytes: number;

  constructor(
    profile: Pick<ProviderProfile, "id" | "name">,
    baseUrl: string,
    limits: AttemptLimits,
    dispatcher?: Dispatcher,
  ) {
    this.profile = profile;
    this.base = apiBase(baseUrl);
    this.dispatcher = dispatcher;
    this.timeoutMs = limits.timeoutMs;
    this.budgetMs = limits.budgetMs;
    this.stallMs = limits.stallMs;
    this.maxResponseBytes = limits.maxResponseBytes;
  }

  /** The client cancelled, or the call's own time limit (`wait_s`, `timeout_s`) ran out. */
  /** Also what a wait between attempts ends with when the call stops. */
  stopped(signal: AbortSignal | undefined): MediagateError {
    const reason = signal?.reason as { name?: string } | undefined;
    if (reason?.name === "TimeoutError") {
      return new MediagateError("timeout", "the call's own time limit ran out before the answer came", {
        provider: this.profile.name,
        remedy: remedyFor("timeout", ""),
      });
    }
    return cancelledError("the provider request was stopped", this.profile.name);
  }

  /** One attempt, redirects followed: the provider's answer as it came, or the error that stopped it. */
  async send(req: HttpRequest, authHeaders: Record<string, string>): Promise<Answer> {
    if (req.signal?.aborted) throw this.stopped(req.signal);
    const ownLimitMs = req.timeoutMs ?? this.timeoutMs;
    const leftMs = (req.deadline ?? Number.POSITIVE_INFINITY) - Date.now();
    if (leftMs <= 0) throw this.timeoutError("budget", req);
    const timeoutMs = Math.min(ownLimitMs, leftMs);
    const limit: "attempt" | "budget" = timeoutMs < ownLimitMs ? "budget" : "attempt";
    const started = performance.now();
    this.dispatcher ??= await defaultDispatcher();
    const exchange: Exchange = {
      req,
      authHeaders,
      dispatcher: this.dispatcher,
      timeoutMs,
      origin: this.base.origin,
      path: requestPath(this.base, req.path, req.query),
      reader: undefined,
      timedOut: false,
    };
    // One timer per attempt, redirects included, and a cancelled call seen by the cancel watch. The
    // exchange runs through undici's dispatch with a handler of its own (AnswerReader), not through
    // request(): no body stream, no abort signal handed down (each costs more than the rest of the attempt
    // in profiles).
    const timer = setTimeout(() => {
      exchange.timedOut = true;
      exchange.reader?.stop(noAnswerWithin(timeoutMs));
    }, timeoutMs);
    const unwatch = req.signal
      ? watchCancel(req.signal, (reason) => exchange.reader?.stop(reason))
      : undefined;
    let answer: Answer;
    try {
      answer = await this.followRedirects(exchange);
    } catch (error) {
      throw await this.failure(error, exchange, limit);
    } finally {
      clearTimeout(timer);
      unwatch?.();
    }
    if (logs("debug", req.signal)) {
      log(
        "debug",
        "provider request",
        {
          provider: this.profile.id,
          method: req.method,
          path: pathname(exchange.path),
          status: answer.status,
          ms: Math.round(performance.now() - started),
        },
        req.signal,
      );
    }
    return answer;
  }

  /** The hops of one attempt: each same-origin redirect `redirectTarget` allows is followed, the rest refused. */
  private async followRedirects(exchange: Exchange): Promise<Answer> {
    const { req } = exchange;
    for (let redirects = 0; ; redirects++) {
      const answer = await this.hop(exchange);
      const status = answer.status;
      const next =
        status >= 300 && status < 400
          ? // The credentials of this request (an exchanged token included) never reach the refusal.
            this.redirectTarget(
              req,
              new URL(exchange.path, exchange.origin),
              status,
              answer.headers,
              redirects,
              Object.values(exchange.authHeaders),
            )
          : undefined;
      if (!next) return answer;
      log(
        "debug",
        "following provider redirect",
        { provider: this.profile.id, status, from: pathname(exchange.path), to: next.pathname },
        req.signal,
      );
      exchange.origin = next.origin;
      exchange.path = `${next.pathname}${next.search}`;
    }
  }

  /** One request and its answer, to the exchange's current origin and path. */
  private hop(exchange: Exchange): Promise<Answer> {
    const { req } = exchange;
    const headers: Record<string, string> = {
      accept: "application/json",
      ...req.headers,
      ...exchange.authHeaders,
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
    const reader = new AnswerReader(this.maxResponseBytes, this.profile.name);
    exchange.reader = reader;
    exchange.dispatcher.dispatch(
      {
        origin: exchange.origin,
        path: exchange.path,
        method: req.method,
        headers,
        body,
        headersTimeout: exchange.timeoutMs,
        // undici's body timeout is the longest pause between two pieces of the body: the stall rule.
        bodyTimeout: this.stallMs,
      },
      reader,
    );
    // Stopped while it was being sent out (a cancel, the timer): stop this hop too.
    if (req.signal?.aborted) reader.stop(req.signal.reason);
    else if (exchange.timedOut) reader.stop(noAnswerWithin(exchange.timeoutMs));
    return reader.answer;
  }

  /**
   * What stopped an attempt, as the agent should read it: a cancel, which limit ran out, an answer that
   * broke off (the provider may have acted on it), or a provider that could not be reached.
   */
  private async failure(error: unknown, exchange: Exchange, limit: "attempt" | "budget"): Promise<unknown> {
    if (error instanceof MediagateError) return error;
    const { req } = exchange;
    if (req.signal?.aborted) return this.stopped(req.signal);
    const status = exchange.reader?.status;
    const { errors: undiciErrors } = await loadUndici();
    if (exchange.timedOut || error instanceof undiciErrors.HeadersTimeoutError) {
      return this.timeoutError(limit, req, exchange.timeoutMs, status, error);
    }
    if (error instanceof undiciErrors.BodyTimeoutError && status !== undefined) {
      return this.timeoutError("stall", req, this.stallMs, status, error);
    }
    const code = (error as { code?: string }).code;
    if (status !== undefined) {
      // The provider answered, then the body broke off: it may well have done what was asked.
      return new MediagateError(
        "network",
        `answer truncated: HTTP ${status}, the body broke off before its end`,
        {
          provider: this.profile.name,
          remedy: this.afterPartialAnswer(req, "network"),
          cause: error,
        },
      );
    }
    return new MediagateError("network", `could not reach ${exchange.origin}${code ? ` (${code})` : ""}`, {
      provider: this.profile.name,
      remedy: remedyFor("network", ""),
      cause: error,
    });
  }

  /** What to do after an answer that began and never ended: an unsafe request may have been carried out. */
  afterPartialAnswer(req: HttpRequest, kind: "network" | "timeout"): string | undefined {
    return isSafeToRepeat(req)
      ? remedyFor(kind, "")
      : "The request reached the provider and may have been carried out: check (e.g. list or get the item) before calling again.";
  }

  /**
   * A timeout as the agent should read it: which limit ran out (one attempt's, the request's whole
   * budget, or the answer's body stalling), and what to do.
   */
  timeoutError(
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
      provider: this.profile.name,
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
  redirectTarget(
    req: HttpRequest,
    from: URL,
    status: number,
    headers: Record<string, string | string[] | undefined>,
    redirects: number,
    credentials: readonly string[],
  ): URL | undefined {
    const name = this.profile.name;
    const raw = headers.location;
    const location = Array.isArray(raw) ? raw[0] : raw;
    if (!location) return undefined;
    const shown = location.slice(0, 200);
    const refuse = (why: string, remedy: string): never => {
      log(
        "warn",
        "provider redirect refused",
        {
          provider: this.profile.id,
          status,
          from: from.pathname,
          reason: redact(why, credentials),
        },
        req.signal,
      );
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
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** The path of a request target, without its query. */
function pathname(target: string): string {
  const query = target.indexOf("?");
  return query === -1 ? target : target.slice(0, query);
}

/**
 * Reads one exchange as undici delivers it: status, headers, and the body as text, refused past `cap`
 * bytes. `stop` ends the exchange at once (a cancel, a time limit): the request is aborted if it is under
 * way, or as soon as it starts if it is still waiting for a connection, and the answer fails now either way.
 */
class AnswerReader implements Dispatcher.DispatchHandler {
  readonly answer: Promise<Answer>;
  /** The status of the answer, once its headers came. */
  status: number | undefined;
  private headers: Record<string, string | string[] | undefined> = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private controller: Dispatcher.DispatchController | undefined;
  private stopReason: Error | undefined;
  private settled = false;
  private resolve!: (answer: Answer) => void;
  private reject!: (error: unknown) => void;
  private readonly cap: number;
  private readonly provider: string;

  constructor(cap: number, provider: string) {
    this.cap = cap;
    this.provider = provider;
    this.answer = new Promise<Answer>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  stop(reason: unknown): void {
    const error = reason instanceof Error ? reason : new DOMException("stopped", "AbortError");
    if (this.controller) this.controller.abort(error);
    else this.stopReason = error;
    this.fail(error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.stopReason) controller.abort(this.stopReason);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // An informational answer (100 Continue) comes before the real one.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.byteLength;
    if (this.size > this.cap) {
      const tooLarge = new MediagateError(
        "bad_response",
        `answer larger than ${Math.round(this.cap / 1024 / 1024)} MiB`,
        { provider: this.provider, remedy: remedyFor("bad_response", "") },
      );
      this.fail(tooLarge);
      controller.abort(tooLarge);
      return;
    }
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    const chunks = this.chunks;
    const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString("utf8");
    this.resolve({ status: this.status as number, text, headers: this.headers });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  private fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}
