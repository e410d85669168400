import { z } from "zod";
import type { ProviderId } from "../providers/types.js";
import type { ToolContext } from "../tools/operation.js";
import { type Job, jobId, parseJobId } from "./job.js";

/** The longest a single call waits: under the 60 s tool-call timeout common to MCP clients. */
export const maxWaitSeconds = 55;
export const defaultStartWaitSeconds = 20;

export const waitSeconds = z
  .number()
  .min(0)
  .max(maxWaitSeconds)
  .default(defaultStartWaitSeconds)
  .describe(
    `Seconds to wait for the result before returning the job (0-${maxWaitSeconds}; default ${defaultStartWaitSeconds}; 0 = at once)`,
  );

export function startedJob(provider: ProviderId, remoteId: string, kind: string): Job {
  return { id: jobId(provider, remoteId), provider, kind, status: "processing", poll_after_ms: 1000 };
}

/** Asks the provider once for a job's state. */
export async function pollJob(id: string, context: ToolContext): Promise<Job> {
  const { provider, remoteId } = parseJobId(id);
  return context.jobSource(provider).poll(remoteId, context);
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Polls a job until it is done or failed, or until `seconds` have passed; then returns it as it stands,
 * with `poll_after_ms` when still processing. Backs off from about 1 s, never faster than the provider
 * allows; sends progress; stops at once, requests included, when the client cancels.
 */
export async function waitWithin(job: Job, seconds: number, context: ToolContext): Promise<Job> {
  if (job.status !== "processing" || seconds <= 0) return job;
  const started = Date.now();
  const deadline = started + seconds * 1000;
  const minimum = context.jobSource(job.provider).minPollIntervalMs;
  let interval = Math.max(1000, minimum);
  let current = job;
  while (current.status === "processing") {
    const remaining = deadline - Date.now();
    if (remaining <= 0 || context.signal.aborted) break;
    await sleep(Math.min(interval, remaining), context.signal);
    if (context.signal.aborted) break;
    current = await pollJob(job.id, context);
    const elapsed = Math.round((Date.now() - started) / 1000);
    await context.progress(current.progress ?? 0, 100, `${current.status}, ${elapsed} s elapsed`);
    interval = Math.min(Math.round(interval * 1.5), 5000);
  }
  if (current.status === "processing") return { ...current, poll_after_ms: Math.max(minimum, interval) };
  return current;
}
