import { type Job, jobId } from "../../jobs/job.js";
import { sendEndpoint } from "../../tools/execute.js";
import type { JobSource } from "../../tools/operation.js";
import { getAudio } from "./operations.js";
import { toAudio } from "./schemas.js";

/** A transcode is polled through the media itself: new → transcoding → done | fail. */
export const aiozJobs: JobSource = {
  kind: "transcode",
  minPollIntervalMs: 1000,
  async poll(remoteId, context) {
    // The job's remote id is the audio's: its state is the detail aioz_get_audio reads.
    const data = await sendEndpoint(getAudio, { audio_id: remoteId }, context);
    const audio = toAudio(data);
    const base: Job = {
      id: jobId("aioz", remoteId),
      provider: "aioz",
      kind: "transcode",
      status: "processing",
    };
    if (audio.status === "done") {
      return {
        ...base,
        status: "done",
        progress: 100,
        result: {
          audio_id: audio.id,
          ...(audio.hls_url ? { stream_url: audio.hls_url } : {}),
          ...(audio.hls_player_url ? { player_url: audio.hls_player_url } : {}),
          ...(audio.dash_url ? { dash_url: audio.dash_url } : {}),
          ...(audio.dash_player_url ? { dash_player_url: audio.dash_player_url } : {}),
          ...(audio.duration === undefined ? {} : { duration: audio.duration }),
        },
      };
    }
    if (audio.status === "fail" || audio.status === "deleted") {
      return { ...base, status: "failed", error: `AIOZ Stream reports the audio as "${audio.status}"` };
    }
    const qualities = audio.qualities ?? [];
    const finished = qualities.filter((q) => q.status === "done").length;
    return {
      ...base,
      ...(qualities.length > 0 ? { progress: Math.round((finished / qualities.length) * 100) } : {}),
      poll_after_ms: 2000,
    };
  },
};
