import { z } from "zod";
import { describeJob, jobSchema } from "../../jobs/job.js";
import { startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { sendEndpoint } from "../../tools/execute.js";
import { defineEndpoint, defineProcedure, type Endpoint, type Operation } from "../../tools/operation.js";
import { asArray, asNumber, asRecord, asString, compact, requiredString } from "../envelope.js";
import { getVideo } from "./endpoints.js";
import { generateAudio, generateImage } from "./generate.js";
import { remoteJobId } from "./jobs.js";
import { audioId, callbackUrl, collectionId, toVideo, videoId, videoSchema } from "./schemas.js";
import { getTranscript, indexSpokenWords, search } from "./search.js";
import { upload } from "./upload.js";
import { deleteVideo, getVideo as getVideoTool } from "./videos.js";

const docs = "https://docs.videodb.io/api-reference";

const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };

const timelineSegment = z
  .array(z.number().min(0))
  .length(2)
  .refine(([start = 0, end = 0]) => start < end, {
    error: "each segment must be [start, end] with start < end",
  });

const listVideos = defineEndpoint({
  name: "videodb_list_videos",
  ui: "player",
  media: "video",
  title: "List VideoDB videos",
  description: "Videos of a VideoDB collection, with stream URLs.",
  toolset: "videodb",
  see: `${docs}/video/list_videos`,
  // The collection routes as video-db/videodb-python `openapi.yaml` lists them, with a trailing slash. The
  // SDKs send `video` and follow the live service's redirect to `video/`; asking the canonical route
  // directly saves that round trip.
  route: "GET /video/",
  input: z.object({ collection_id: collectionId }),
  output: z.object({ videos: z.array(videoSchema) }),
  annotations: readOnly,
  toResult: (data) => {
    const record = asRecord(data);
    return { videos: asArray(Array.isArray(data) ? data : record.videos).map(toVideo) };
  },
  summary: (result) => `${result.videos.length} video(s).`,
});

const audioSummary = z.object({ id: z.string(), name: z.string(), length: z.number().describe("Seconds") });

const listAudios = defineEndpoint({
  name: "videodb_list_audios",
  ui: "player",
  media: "audio",
  title: "List VideoDB audios",
  description: "Audio files of a VideoDB collection.",
  toolset: "videodb",
  see: `${docs}/audio/list_audios`,
  // Trailing slash as in video-db/videodb-python `openapi.yaml` (see videodb_list_videos).
  route: "GET /audio/",
  input: z.object({ collection_id: collectionId }),
  output: z.object({ audios: z.array(audioSummary) }),
  annotations: readOnly,
  toResult: (data) => {
    const record = asRecord(data);
    return {
      audios: asArray(Array.isArray(data) ? data : record.audios).map((value) => {
        const audio = asRecord(value);
        return {
          id: asString(audio.id) ?? "",
          name: asString(audio.name) ?? "",
          length: asNumber(audio.length) ?? 0,
        };
      }),
    };
  },
  summary: (result) => `${result.audios.length} audio file(s).`,
});

/** The same request gives the same stream: repeating it on a transient failure is safe. */
const createStream: Endpoint = {
  provider: "videodb",
  route: "POST /video/{video_id}/stream/",
  safeToRetry: true,
  request: (input) => ({
    body: compact({
      timeline: input.timeline,
      length: input.length,
      format: input.format,
      quality: input.quality,
    }),
  }),
};

const generateStream = defineProcedure({
  name: "videodb_generate_stream",
  ui: "player",
  media: "video",
  title: "Get a video's HLS stream URL",
  description: "Stream URL of a VideoDB video, whole or a timeline of segments.",
  toolset: "videodb",
  see: `${docs}/video/stream`,
  input: z.object({
    video_id: videoId,
    timeline: z
      .array(timelineSegment)
      .min(1)
      .optional()
      .describe("[[start, end], …] seconds, 0 <= start < end; omit for all"),
    format: z.enum(["mp4", "webm", "hls"]).optional().describe("Format"),
    quality: z.enum(["low", "medium", "high"]).optional().describe("Quality"),
  }),
  output: z.object({ stream_url: z.string(), player_url: z.string().optional() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // A procedure, as the official clients do it (video-db/videodb-python `videodb/video.py`
  // `generate_stream`; video-db/videodb-node `src/core/video.ts` `generateStream`): a whole video is its
  // own `stream_url`; otherwise the stream request carries the video's `length` with the timeline. Both
  // requests share one time budget.
  run: async (input, context) => {
    const deadline = Date.now() + context.client("videodb").budgetMs;
    const video = asRecord(await sendEndpoint(getVideo, { video_id: input.video_id }, context, { deadline }));
    const own = asString(video.stream_url);
    if (!input.timeline && !input.format && !input.quality && own) {
      return { stream_url: own, ...compact({ player_url: asString(video.player_url) }) };
    }
    const data = asRecord(
      await sendEndpoint(
        createStream,
        { ...input, ...compact({ length: asNumber(video.length) }) },
        context,
        { deadline },
      ),
    );
    return {
      stream_url: requiredString(data.stream_url, "stream_url", "VideoDB"),
      ...compact({ player_url: asString(data.player_url) }),
    };
  },
  summary: (result) => `Stream: ${result.stream_url}`,
});

const generateAudioUrl = defineEndpoint({
  name: "videodb_generate_audio_url",
  ui: "player",
  media: "audio",
  title: "Get a VideoDB audio URL",
  description: "Stream/download URL of a VideoDB audio file.",
  toolset: "videodb",
  see: `${docs}/audio/generate_url`,
  route: "POST /audio/{audio_id}/generate_url",
  safeToRetry: true,
  input: z.object({
    audio_id: audioId,
    collection_id: collectionId,
    format: z.enum(["mp3", "wav", "flac"]).optional().describe("Format"),
    quality: z.enum(["low", "medium", "high"]).optional().describe("Quality"),
  }),
  output: z.object({ url: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // The collection goes as a query parameter, as both SDKs send it (video-db/videodb-python
  // `videodb/audio.py` `generate_url`: `params={"collection_id": ...}`; video-db/videodb-node
  // `src/core/audio.ts` `generateUrl`: `params: { collection_id }`); format and quality in the body.
  request: (input) => ({
    query: { collection_id: input.collection_id },
    body: compact({ format: input.format, quality: input.quality }),
  }),
  // The API answers data.stream_url (`openapi.yaml`); the SDKs read data.signed_url: accept both.
  toResult: (data) => {
    const record = asRecord(data);
    return {
      url: requiredString(record.stream_url ?? record.signed_url, "stream_url (or signed_url)", "VideoDB"),
    };
  },
  summary: (result) => `Audio URL: ${result.url}`,
});

const generateVideo = defineEndpoint({
  name: "videodb_generate_video",
  ui: "player",
  media: "video",
  title: "Generate a video with AI",
  description:
    "Generate an AI video from a prompt (spends credits); returns a job whose result has video_id and stream_url.",
  toolset: "videodb",
  see: `${docs}/collection/generate_video`,
  route: "POST /collection/{collection_id}/generate/video/",
  input: z.object({
    collection_id: collectionId,
    prompt: z.string().trim().min(1, { error: "must not be empty" }).describe("What the video shows"),
    duration: z
      .int({ error: "must be an integer" })
      .min(5, { error: "must be 5 to 8 seconds" })
      .max(8, { error: "must be 5 to 8 seconds" })
      .default(5)
      .describe("Seconds, 5-8; default 5"),
    callback_url: callbackUrl,
    wait_s: waitSeconds,
  }),
  output: z.object({ job: jobSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  local: ["wait_s"],
  startsJob: true,
  toResult: async (data, input, context) => {
    // An answer with `request_type: "async"` (a callback was given) is a job too: polled the same way.
    const remoteId = remoteJobId(data, context.client("videodb").config.baseUrl);
    return {
      job: await waitWithin(startedJob("videodb", remoteId, "video_generation"), input.wait_s, context),
    };
  },
  summary: (result) => describeJob(result.job),
});

export const videodbOperations: Operation[] = [
  listVideos,
  listAudios,
  generateStream,
  generateAudioUrl,
  generateVideo,
  upload,
  getVideoTool,
  deleteVideo,
  indexSpokenWords,
  search,
  getTranscript,
  generateAudio,
  generateImage,
];
