import { z } from "zod";
import { delay } from "../delay.js";
import { cancelledError, describeError, MediagateError } from "../errors.js";
import { followLogs, log } from "../log.js";
import type { ToolContext } from "../tools/operation.js";
import type { ProviderId } from "../types.js";
import { type Job, jobId, parseJobId } from "./job.js";

/** The longest a single call waits: under the 60 s tool-call timeout common to MCP clients. */
export const maxWaitSeconds = 55;
export const defaultStartWaitSeconds = 20;
/** The first pause between two polls; the pause then grows by half each time, up to `maxPollIntervalMs`. */
export const firstPollIntervalMs = 1000;
export const maxPollIntervalMs = 5000;

export const waitSeconds = z
  .number()
  .min(0)
  .max(maxWaitSeconds)
  .default(defaultStartWaitSeconds)
  .describe(`Wait 0-${maxWaitSeconds} s; default ${defaultStartWaitSeconds}`);

export function startedJob(provider: ProviderId, remoteId: string, kind: string): Job {
  return {
    id: jobId(provider, remoteId),
    provider,
    kind,
    status: "processing",
    poll_after_ms: firstPollIntervalMs,
  };
}

/**
 * Asks the provider once for a job's state. A done job is 100% done, whatever the provider last said, so
 * the result itself shows the job complete (a client may drop the last progress notification).
 */
export async function pollJob(id: string, context: ToolContext): Promise<Job> {
  const { provider, remoteId } = parseJobId(id);
  const job = await context.jobSource(provider).poll(remoteId, context);
  return job.status === "done" ? { ...job, progress: 100 } : job;
}

/**
 * The pause before poll number `poll` (from 1): about 1 s, growing by half each time up to 5 s, and never
 * shorter than the provider's minimum.
 */
export function pollInterval(poll: number, minimumMs: number): number {
  const backoff = Math.min(maxPollIntervalMs, Math.round(firstPollIntervalMs * 1.5 ** Math.max(0, poll - 1)));
  return Math.max(backoff, minimumMs);
}

/** Failures that say "not now" rather than "never": waiting continues through them. */
export function isTransient(error: unknown): error is MediagateError {
  return (
    error instanceof MediagateError &&
    (error.kind === "rate_limited" ||
      error.kind === "unavailable" ||
      error.kind === "network" ||
      error.kind === "timeout")
  );
}

export interface WaitOptions {
  /**
   * Progress already reported in this call (e.g. bytes uploaded): the wait's notifications continue
   * above it, since MCP progress must increase. Default 0.
   */
  progressBase?: number;
}

/**
 * Polls a job until it is done or failed, or until `seconds` have passed, and never past `maxWaitSeconds`
 * from the call's start (`context.startedAt`): a slow start request (an upload's complete, a generation)
 * leaves that much less to wait, so no job-starting tool outlives the clients' 60 s timeout. Then returns
 * the job as it stands, with `poll_after_ms` when still processing. Backs off from about 1 s, never faster than the provider
 * allows, and waits out a rate limit's Retry-After; a transient failure does not end the wait. Each poll
 * sends a progress notification (seconds waited out of the wait's length, with the job's state as the message).
 * The deadline bounds the requests too, and a cancelled call stops at once, its request included.
 */
export async function waitWithin(
  job: Job,
  seconds: number,
  context: ToolContext,
  options: WaitOptions = {},
): Promise<Job> {
  const leftMs = maxWaitSeconds * 1000 - (Date.now() - context.startedAt);
  const waitMs = Math.min(seconds * 1000, leftMs);
  if (job.status !== "processing" || waitMs <= 0) return job;
  const base = options.progressBase ?? 0;
  const started = Date.now();
  const deadline = AbortSignal.timeout(waitMs);
  const total = waitMs / 1000;
  const stop = AbortSignal.any([context.signal, deadline]);
  followLogs(stop, context.signal);
  const minimum = context.jobSource(job.provider).minPollIntervalMs;
  const polling: ToolContext = { ...context, signal: stop };
  let current = job;
  let nextPauseMs = pollInterval(1, minimum);
  let lastProgress = base;
  for (let poll = 1; current.status === "processing"; poll++) {
    // Ends early when the call is cancelled or the wait is over; both are told apart just below.
    await delay(nextPauseMs, stop).catch(() => undefined);
    if (context.signal.aborted) throw cancelledError("polling stopped");
    if (deadline.aborted) break;
    let providerDelayMs = 0;
    try {
      current = await pollJob(job.id, polling);
    } catch (error) {
      if (context.signal.aborted) throw cancelledError("polling stopped");
      if (deadline.aborted) break;
      if (!isTransient(error)) throw error;
      providerDelayMs = error.retryAfterMs ?? 0;
      log(
        "warn",
        "job poll failed; waiting continues",
        {
          job: job.id,
          poll,
          error: describeError(error, []),
          ...(providerDelayMs > 0 ? { retryAfterMs: providerDelayMs } : {}),
        },
        context.signal,
      );
    }
    nextPauseMs = Math.max(pollInterval(poll + 1, minimum), providerDelayMs);
    const elapsed = (Date.now() - started) / 1000;
    const done = current.status !== "processing";
    // Strictly increasing, and below the total until the job is over.
    const value = done
      ? base + total
      : Math.max(lastProgress + 0.001, base + Math.min(elapsed, total - 0.01));
    lastProgress = value;
    const percent = current.progress === undefined || done ? "" : ` (${current.progress}%)`;
    await context.progress(
      Math.round(value * 1000) / 1000,
      Math.round((base + total) * 1000) / 1000,
      `${current.status}${percent}, ${Math.round(elapsed)} s elapsed`,
    );
  }
  if (current.status === "processing") {
    return { ...current, poll_after_ms: Math.max(current.poll_after_ms ?? 0, nextPauseMs) };
  }
  return current;
}
