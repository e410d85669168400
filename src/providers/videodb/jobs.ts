import { fillPath } from "../../client/route.js";
import { type Job, jobId } from "../../jobs/job.js";
import { asRecord, asString, compact } from "../envelope.js";
import type { JobSource } from "../types.js";
import { toVideo } from "./schemas.js";

/**
 * VideoDB's asynchronous answers are polled at `/async-response/{job}` with the same auth. The job id
 * carries only the remote id: the URL is rebuilt on the configured base, so no URL from an answer ever
 * receives the API key.
 */
export const videodbJobs: JobSource = {
  kind: "video_generation",
  minPollIntervalMs: 1000,
  async poll(remoteId, context) {
    const body = asRecord(
      await context.client("videodb").send({
        method: "GET",
        path: fillPath("/async-response/{job_id}", { job_id: remoteId }),
        envelope: false,
        signal: context.signal,
      }),
    );
    const id = jobId("videodb", remoteId);
    const base: Job = { id, provider: "videodb", kind: "video_generation", status: "processing" };
    const status = (asString(body.status) ?? "").toLowerCase();
    // The answer is either {status, data} or {status, response: {success, data}}.
    const response = asRecord(body.response);
    const data = "response" in body ? response.data : body.data;
    if (status === "failed" || body.success === false || response.success === false) {
      const reason = asString(body.message) ?? asString(response.message) ?? asString(asRecord(data).error);
      return { ...base, status: "failed", error: reason ?? "VideoDB reported the job failed" };
    }
    if (status === "done" || status === "completed" || status === "success") {
      const video = toVideo(data);
      return {
        ...base,
        status: "done",
        progress: 100,
        result: {
          video_id: video.id,
          ...video,
          ...compact({ collection_id: asString(asRecord(data).collection_id) }),
        },
      };
    }
    // A running job's data.percentage (videodb-python, videodb/_utils/_http_client.py) is its progress.
    const percentage = Number(asRecord(data).percentage ?? Number.NaN);
    const progress = Number.isFinite(percentage) ? { progress: Math.min(100, Math.max(0, percentage)) } : {};
    return { ...base, ...progress, poll_after_ms: 5000 };
  },
};
