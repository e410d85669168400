import type { Dispatcher } from "undici";
import { delay } from "../delay.js";
import { MediagateError } from "../errors.js";
import { log } from "../log.js";
import type { Authenticator, HttpRequest, ProviderConfig, ProviderProfile } from "../types.js";
import { HttpAttempts } from "./attempt.js";
import { type AnswerReading, interpretAnswer } from "./interpret.js";
import { defaultRetryPolicy, isSafeToRepeat, type RetryPolicy, retryAfterFailure } from "./retry.js";

/**
 * The contract's limits when nothing overrides them: a request's budget across its attempts stays under the
 * 60 s tool-call timeout common to MCP clients, so mediagate answers first, with a clear error; an answer
 * whose body sends nothing for the stall limit is a timeout.
 */
export const clientDefaults = {
  timeoutMs: 30_000,
  budgetMs: 50_000,
  stallMs: 10_000,
  maxResponseBytes: 8 * 1024 * 1024,
} as const;

/** The limits one client applies. */
export type ClientLimits = { -readonly [K in keyof typeof clientDefaults]: number };

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

/**
 * Executes requests for one provider: auth, its budget, retries, and each attempt's answer read. An
 * attempt (undici, time limits, cancellation, redirects, size cap) is attempt.ts; what an answer means
 * is interpret.ts; whether to try again is retry.ts.
 * A redirect is followed only to the same origin (at most 3 in a row, credentials kept), as the official
 * clients' HTTP libraries do (requests, axios); to any other origin it is refused, so credentials never
 * travel there. Every request has a budget across its attempts (50 s by default) and a stall limit on the
 * answer's body (10 s), so no call outlives the 60 s timeout of MCP clients because of a slow provider.
 */
export class ProviderClient {
  readonly provider: ProviderProfile;
  readonly config: ProviderConfig;
  private readonly authenticator: Authenticator;
  private readonly policy: RetryPolicy;
  private readonly attempts: HttpAttempts;
  /** How this provider's answers are read; each request adds its envelope choice and credentials. */
  private readonly reading: Pick<AnswerReading, "name" | "unwrap" | "authRemedy">;
  /** The limits this client applies (`clientDefaults` where neither the options nor the config set one). */
  readonly limits: Readonly<ClientLimits>;
  /** Time limit of one request across its attempts, in ms: procedures share it among their requests. */
  readonly budgetMs: number;

  constructor(provider: ProviderProfile, config: ProviderConfig, options: ClientOptions = {}) {
    this.provider = provider;
    this.config = config;
    this.authenticator = provider.auth(config);
    this.policy = options.retryPolicy ?? defaultRetryPolicy;
    this.limits = {
      timeoutMs: options.timeoutMs ?? config.requestTimeoutMs ?? clientDefaults.timeoutMs,
      budgetMs: options.budgetMs ?? config.requestBudgetMs ?? clientDefaults.budgetMs,
      stallMs: options.stallMs ?? config.stallTimeoutMs ?? clientDefaults.stallMs,
      maxResponseBytes: options.maxResponseBytes ?? clientDefaults.maxResponseBytes,
    };
    this.budgetMs = this.limits.budgetMs;
    this.reading = {
      name: provider.name,
      unwrap: (status, body) => provider.unwrap(status, body),
      authRemedy: provider.authRemedy?.(config) ?? `Check ${provider.credentialVariables}.`,
    };
    this.attempts = new HttpAttempts(provider, config.baseUrl, this.limits, options.dispatcher);
  }

  /** Sends an authenticated request and returns the provider's data, its envelope taken off. */
  async send(req: HttpRequest): Promise<unknown> {
    // One budget for this request's attempts, before and after a token refresh.
    const budgeted: HttpRequest = { ...req, deadline: this.deadlineOf(req) };
    // A credential exchange may serve several calls at once (see the AI Studios token): it gets a budget
    // of its own from when it starts, and only the signal it is given, never this call's.
    const exchange = (r: HttpRequest) => this.execute({ ...r, deadline: this.deadlineOf(r) }, {});
    const authHeaders = await this.authenticator.headers(exchange, req.signal);
    try {
      return await this.execute(budgeted, authHeaders);
    } catch (error) {
      // A cached token the provider no longer accepts: get a fresh one once.
      if (error instanceof MediagateError && error.kind === "auth" && this.authenticator.invalidate) {
        log(
          "info",
          "token refused; exchanging the credentials again",
          { provider: this.provider.id },
          req.signal,
        );
        this.authenticator.invalidate();
        const fresh = await this.authenticator.headers(exchange, req.signal);
        return await this.execute(budgeted, fresh);
      }
      throw error;
    }
  }

  /**
   * A successful status with an answer mediagate cannot read: a request not safe to repeat (a generation,
   * an upload) was received and may well have been carried out, so "try again" is the wrong advice.
   */
  private unreadable(error: unknown, req: HttpRequest): unknown {
    if (!(error instanceof MediagateError) || error.kind !== "bad_response" || isSafeToRepeat(req))
      return error;
    return new MediagateError(error.kind, error.message, {
      provider: this.provider.name,
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.providerMessage === undefined ? {} : { providerMessage: error.providerMessage }),
      remedy: this.attempts.afterPartialAnswer(req, "network"),
      cause: error,
    });
  }

  /** When the request's budget ends: the client's budget from now, or the caller's earlier deadline. */
  private deadlineOf(req: HttpRequest): number {
    const exempt = req.timeoutMs !== undefined && req.timeoutMs > this.budgetMs;
    const budgetEnd = exempt ? Number.POSITIVE_INFINITY : Date.now() + this.budgetMs;
    return Math.min(budgetEnd, req.deadline ?? Number.POSITIVE_INFINITY);
  }

  private async execute(req: HttpRequest, authHeaders: Record<string, string>): Promise<unknown> {
    const safe = isSafeToRepeat(req);
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.attempts.send(req, authHeaders);
        try {
          return interpretAnswer(answer, {
            ...this.reading,
            envelope: req.envelope !== false,
            // The credentials of this request (an exchanged token included) never reach an error message,
            // even when the provider's own message repeats them.
            credentials: Object.values(authHeaders),
          });
        } catch (error) {
          throw this.unreadable(error, req);
        }
      } catch (error) {
        const left = (req.deadline ?? Number.POSITIVE_INFINITY) - Date.now();
        const wait = retryAfterFailure(error, attempt, safe, left, this.policy);
        if (wait === undefined) throw error;
        log(
          "info",
          "retrying provider request",
          {
            provider: this.provider.id,
            path: req.path,
            attempt,
            delayMs: wait,
            status: (error as MediagateError).status,
          },
          req.signal,
        );
        await delay(wait, req.signal).catch(() => {
          throw this.attempts.stopped(req.signal);
        });
      }
    }
  }
}
