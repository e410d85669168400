/** How a VideoDB job ends: the data its finished answer carries, or the message of its failure. */
export type AsyncOutcome = { data: unknown } | { error: string };

/** What a running job's answer reads: when it started, and how often it was polled (the wording alternates). */
export interface PolledJob {
  startedAt: number;
  polls: number;
}

/**
 * The answer of `GET /async-response/{job}`, every VideoDB job alike. While the job runs, VideoDB reports
 * both wordings with its progress, and clients must accept either; a final status is any other, and
 * `success` says how it ended (video-db/videodb-node `src/constants.ts` `ResponseStatus`: success,
 * complete), inside a `response` wrapper when the service answers in that shape.
 */
export function asyncAnswer(
  job: PolledJob,
  outcome: AsyncOutcome | undefined,
  durationMs: number,
  shape: "data" | "response",
): Record<string, unknown> {
  if (!outcome) {
    job.polls += 1;
    const percentage = Math.min(
      99,
      Math.floor(((Date.now() - job.startedAt) / Math.max(1, durationMs)) * 100),
    );
    return {
      success: true,
      status: job.polls % 2 === 1 ? "processing" : "in progress",
      data: { percentage },
    };
  }
  if ("error" in outcome) {
    return shape === "response"
      ? { success: true, status: "complete", response: { success: false, message: outcome.error } }
      : { success: false, status: "failed", message: outcome.error };
  }
  return shape === "response"
    ? { success: true, status: "complete", response: { success: true, data: outcome.data } }
    : { success: true, status: "complete", data: outcome.data };
}

/** Posts a finished job's answer to the callback URL it was started with: best effort, as the service's is. */
export function postCallback(url: string, answer: Record<string, unknown>): void {
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(answer),
    signal: AbortSignal.timeout(5000),
  })
    .then((res) => res.body?.cancel())
    .catch(() => undefined);
}
