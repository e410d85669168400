import { z } from "zod";
import { defineEndpoint } from "../../tools/operation.js";
import { getVideo as getVideoEndpoint } from "./endpoints.js";
import { toVideo, videoId, videoSchema } from "./schemas.js";

const docs = "https://docs.videodb.io/api-reference";

export const getVideo = defineEndpoint({
  ...getVideoEndpoint,
  name: "videodb_get_video",
  title: "Get a VideoDB video",
  description: "One video's name, length and stream URLs.",
  toolset: "videodb",
  see: `${docs}/video/get_video`,
  input: z.object({ video_id: videoId }),
  output: z.object({ video: videoSchema }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  ui: "player",
  media: "video",
  toResult: (data) => ({ video: toVideo(data) }),
  summary: (result) => `Video ${result.video.id}: ${result.video.name}`,
});

export const deleteVideo = defineEndpoint({
  name: "videodb_delete_video",
  title: "Delete a VideoDB video",
  description: "Delete a video and its streams and indexes. Cannot be undone.",
  toolset: "videodb",
  see: `${docs}/video/delete_video`,
  // As video-db/videodb-python `videodb/video.py` `delete` sends it: no collection, no body.
  route: "DELETE /video/{video_id}",
  input: z.object({ video_id: videoId }),
  output: z.object({ deleted: z.boolean(), video_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  toResult: (_data, input) => ({ deleted: true, video_id: input.video_id }),
  summary: (result) => `Deleted video ${result.video_id}.`,
});
