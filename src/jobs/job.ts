import { z } from "zod";
import { MediagateError } from "../errors.js";
import { type ProviderId, providerIds } from "../types.js";

export const jobStatuses = ["processing", "done", "failed"] as const;
export type JobStatus = (typeof jobStatuses)[number];

/** The one job shape for every provider's asynchronous work. */
export const jobSchema = z
  .object({
    id: z.string().describe("Job id, e.g. videodb:job-123; pass it to job_status or job_wait"),
    provider: z.enum(providerIds),
    kind: z.string().describe("What the job does, e.g. video_generation, transcode"),
    status: z.enum(jobStatuses),
    progress: z.number().optional().describe("Percent done, 0-100, when the provider says"),
    result: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("When done: ids, stream_url, player_url, download_url"),
    error: z.string().optional(),
    poll_after_ms: z
      .number()
      .int()
      .optional()
      .describe("When processing: wait this long before polling again"),
  })
  .describe("An asynchronous job");

export type Job = z.infer<typeof jobSchema>;

/** A job id names its provider and the remote id, so any server process can poll it: `videodb:job-123`. */
export function jobId(provider: ProviderId, remoteId: string): string {
  return `${provider}:${remoteId}`;
}

export function parseJobId(id: string): { provider: ProviderId; remoteId: string } {
  const colon = id.indexOf(":");
  const prefix = id.slice(0, colon);
  const provider = providerIds.find((known) => known === prefix);
  const remoteId = id.slice(colon + 1);
  if (colon < 1 || provider === undefined || remoteId === "") {
    throw new MediagateError(
      "invalid_input",
      `job_id: "${id}" is not a mediagate job id; it looks like "videodb:job-123" or "aioz:<media id>", as returned by the tool that started the job`,
    );
  }
  // The remote id becomes one path segment of the provider's status request: a dot segment would name
  // another route.
  if (remoteId === "." || remoteId === "..") {
    throw new MediagateError("invalid_input", `job_id: must be a non-empty id other than "." or ".."`);
  }
  return { provider, remoteId };
}

/** One line for a human about a job, saying what to do next. */
export function describeJob(job: Job): string {
  if (job.status === "done") return `Job ${job.id} done.`;
  if (job.status === "failed") return `Job ${job.id} failed: ${job.error ?? "no reason given"}.`;
  return `Job ${job.id} is processing; call job_wait with job_id "${job.id}".`;
}
