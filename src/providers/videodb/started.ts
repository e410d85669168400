import type { Job } from "../../jobs/job.js";
import { maxWaitSeconds, startedJob } from "../../jobs/wait.js";
import type { ToolContext } from "../../tools/operation.js";
import { encodeJobRef, type JobRefKind, jobKinds } from "./job-refs.js";
import { remoteJobId } from "./jobs.js";

/** The job VideoDB's asynchronous answer names, its id carrying `key` (the video or the collection). */
export function startedFrom(
  data: unknown,
  kind: Exclude<JobRefKind, "media" | "indexed">,
  key: string,
  context: ToolContext,
): Job {
  const remote = remoteJobId(data, context.client("videodb").config.baseUrl);
  return startedJob("videodb", encodeJobRef(kind, key, remote), jobKinds[kind]);
}

/** What is left of `wait_s` within the call's own bound (55 s), however long the start took. */
export function waitLeft(waitS: number, context: ToolContext): number {
  const left = maxWaitSeconds - (Date.now() - context.startedAt) / 1000;
  return Math.max(0, Math.min(waitS, Math.floor(left)));
}
