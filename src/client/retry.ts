import { MediagateError } from "../errors.js";
import type { HttpMethod } from "../types.js";

/**
 * The retry policy as plain data, and the whole decision whether and when to try again.
 * Modelled on ky: transient statuses and network errors are retried with exponential backoff and full
 * jitter, Retry-After is honoured (capped) without jitter, and only requests safe to repeat are retried.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. Default 2. */
  limit: number;
  /** Statuses worth another try. Default 408, 429, 500, 502, 503, 504. */
  statuses: ReadonlySet<number>;
  /** Statuses whose Retry-After header is honoured. Default 429, 503 (both retried). */
  afterStatuses: ReadonlySet<number>;
  /** First backoff delay in ms. Default 300. */
  baseDelayMs: number;
  /** Longest backoff delay in ms. Default 5000. */
  maxDelayMs: number;
  /** Longest Retry-After mediagate will wait; a longer one gives up and reports it. Default 30000. */
  maxRetryAfterMs: number;
}

export const defaultRetryPolicy: RetryPolicy = {
  limit: 2,
  statuses: new Set([408, 429, 500, 502, 503, 504]),
  // ky honours Retry-After on 413 too, but 413 is not a status mediagate retries: the same body would be
  // refused again.
  afterStatuses: new Set([429, 503]),
  baseDelayMs: 300,
  maxDelayMs: 5000,
  maxRetryAfterMs: 30_000,
};

const safeMethods = new Set<HttpMethod>(["GET", "PUT", "DELETE"]);

/** Whether a request may be repeated: GET, PUT and DELETE, or one marked safe (or unsafe) itself. */
export function isSafeToRepeat(req: { method: HttpMethod; safe?: boolean }): boolean {
  return req.safe ?? safeMethods.has(req.method);
}

/**
 * The delay before trying a failed request again, or undefined to give up: a network error, a timeout
 * or an HTTP status may be retried, anything else (bad input, a cancellation) never; nor when the wait
 * would not leave the next attempt any of the `leftMs` the request has (the last error then says what
 * happened).
 */
export function retryAfterFailure(
  error: unknown,
  attempt: number,
  safe: boolean,
  leftMs: number,
  policy: RetryPolicy = defaultRetryPolicy,
): number | undefined {
  if (!(error instanceof MediagateError)) return undefined;
  const retryable = error.kind === "network" || error.kind === "timeout" || error.status !== undefined;
  if (!retryable) return undefined;
  const delay = retryDelay(
    {
      ...(error.status === undefined ? {} : { status: error.status }),
      ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
    },
    attempt,
    safe,
    policy,
  );
  return delay === undefined || delay >= leftMs - 1 ? undefined : delay;
}

/** What went wrong with one attempt, as far as retrying cares. */
export interface AttemptFailure {
  /** HTTP status, or undefined for a network error or a timeout before any answer. */
  status?: number;
  /** Delay the provider asked for, from Retry-After or X-RateLimit-Retry-After. */
  retryAfterMs?: number;
}

/**
 * The delay before the next attempt, or undefined to give up.
 * @param attempt the attempt that just failed, starting at 1
 * @param safe whether the request may be repeated (GET, PUT, DELETE, or marked safe)
 */
export function retryDelay(
  failure: AttemptFailure,
  attempt: number,
  safe: boolean,
  policy: RetryPolicy = defaultRetryPolicy,
  random: () => number = Math.random,
): number | undefined {
  if (!safe || attempt > policy.limit) return undefined;
  if (failure.status !== undefined && !policy.statuses.has(failure.status)) return undefined;
  if (
    failure.status !== undefined &&
    failure.retryAfterMs !== undefined &&
    policy.afterStatuses.has(failure.status)
  ) {
    return failure.retryAfterMs > policy.maxRetryAfterMs ? undefined : failure.retryAfterMs;
  }
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

const httpDate = /^[A-Za-z]{3,9},? [\dA-Za-z -]+\d{2}:\d{2}:\d{2}( GMT| \d{4})$/;

/**
 * Reads Retry-After (seconds or an HTTP date) or X-RateLimit-Retry-After (seconds). A malformed value
 * only loses its timing: the normal backoff applies.
 */
export function parseRetryAfter(
  headers: Record<string, string | string[] | undefined>,
  now: number = Date.now(),
): number | undefined {
  for (const name of ["retry-after", "x-ratelimit-retry-after"]) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined || value.trim() === "") continue;
    const trimmed = value.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
    // Only the HTTP-date forms ("Wed, 21 Oct 2015 07:28:00 GMT", RFC 850, asctime): Date.parse alone
    // reads "-1" or "soon 5" as dates in 2001.
    if (!httpDate.test(trimmed)) continue;
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return undefined;
}
