import { MediagateError } from "../../errors.js";
import { type Job, jobId } from "../../jobs/job.js";
import { sendEndpoint } from "../../tools/execute.js";
import type { Endpoint, JobSource } from "../../tools/operation.js";
import { asNumber, asRecord, asString } from "../envelope.js";

export const renderKind = "video_generation";

/**
 * A project's export, `{progress (0-100, a float), downloadUrl}` (DeepBrain-AI/docs
 * `versioned_docs/version-1.6.x/aistudioV3/reference/progress.md`).
 */
const exportProgress: Endpoint<{ project_id: string }> = {
  provider: "aistudios",
  route: "GET /api/odin/v3/editor/progress/{project_id}",
};

/**
 * A presenter video renders until `progress` reaches 100 with a `downloadUrl`. The documents name no
 * failed state: their own polling loops (`reference/export-project.md`, `tutorial/
 * multiple-chromakey-export.md`) stop on `success: false` with `error.{code, msg}` and keep polling a
 * progress of 100 that has no `downloadUrl` yet. So a refusal from the progress route (the envelope's
 * `success: false`, or a 400) is the render's failure, with AI Studios' own message; credentials, a
 * missing project, rate limits and outages stay errors of the poll, which a wait rides out where it can.
 */
/** An answer that refuses (`success: false`, or a 4xx the status table has no other kind for), not a redirect. */
function isRefusal(error: unknown): error is MediagateError {
  return (
    error instanceof MediagateError &&
    error.kind === "rejected" &&
    error.status !== undefined &&
    (error.status < 300 || error.status >= 400)
  );
}

export const aistudiosJobs: JobSource = {
  kind: renderKind,
  minPollIntervalMs: 1000,
  async poll(remoteId, context) {
    const base: Job = {
      id: jobId("aistudios", remoteId),
      provider: "aistudios",
      kind: renderKind,
      status: "processing",
    };
    let data: Record<string, unknown>;
    try {
      data = asRecord(await sendEndpoint(exportProgress, { project_id: remoteId }, context));
    } catch (error) {
      if (isRefusal(error)) {
        return { ...base, status: "failed", error: error.providerMessage ?? error.message };
      }
      throw error;
    }
    const progress = Math.max(0, Math.min(100, asNumber(data.progress) ?? 0));
    const downloadUrl = asString(data.downloadUrl);
    if (progress >= 100 && downloadUrl) {
      return {
        ...base,
        status: "done",
        progress: 100,
        // `media_type` as VideoDB's upload results carry it: the player reads it from a job polled by id.
        result: { media_type: "video", project_id: remoteId, download_url: downloadUrl },
      };
    }
    // The documents' loops poll every 3 s; 100 without a URL is the last step, not the end.
    return { ...base, progress: Math.min(progress, 99), poll_after_ms: 3000 };
  },
};
