import { z } from "zod";
import { describeJob, jobSchema } from "../../jobs/job.js";
import { startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { defineEndpoint } from "../../tools/operation.js";
import { asNumber, asRecord, requiredString } from "../envelope.js";
import {
  audioId,
  audioSchema,
  description,
  maxTitleLength,
  metadata,
  metadataFilter,
  metadataList,
  qualities,
  resolution,
  statuses,
  tags,
  title,
  toAudio,
  toAudioList,
} from "./schemas.js";

const docs = "https://docs.aiozstream.network/api-reference/media/audio";

export const createAudio = defineEndpoint({
  name: "aioz_create_audio",
  title: "Create an AIOZ audio object",
  description:
    "Create an empty audio object to upload into. To upload a file in one call, use aioz_upload_audio.",
  toolset: "aioz",
  see: `${docs}#create-audio-object`,
  route: "POST /media/create",
  input: z.object({
    title: title.describe(`≤${maxTitleLength} chars`),
    description: description.optional(),
    is_public: z.boolean().optional().describe("Public; default true"),
    metadata: metadata.optional(),
    tags: tags.optional(),
    qualities: qualities.optional(),
  }),
  output: z.object({ audio: audioSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  fixed: { type: "audio" },
  toResult: (data) => {
    requiredString(asRecord(data).id, "the new audio's id", "AIOZ Stream");
    return { audio: toAudio(data) };
  },
  summary: (result) => `Created audio ${result.audio.id} (${result.audio.status}).`,
});

export const listAudio = defineEndpoint({
  name: "aioz_list_audio",
  ui: "player",
  media: "audio",
  title: "List AIOZ audio",
  description: "List and search audio objects.",
  toolset: "aioz",
  see: `${docs}#list-audio`,
  route: "POST /media",
  // A search: repeating it changes nothing.
  safeToRetry: true,
  input: z.object({
    offset: z.int().min(0).optional().describe("Skip; default 0"),
    limit: z.int().min(1).max(100).optional().describe("1-100; default 25"),
    sort_by: z.enum(["created_at", "updated_at", "title", "size"]).optional().describe("Default created_at"),
    order_by: z.enum(["asc", "desc"]).optional().describe("Default asc"),
    tags: tags.optional(),
    metadata: metadataFilter.optional(),
    status: z.array(z.enum(statuses)).min(1).optional().describe("Any of these"),
    search: z.string().optional().describe("Words in title or description"),
  }),
  output: z.object({ audios: z.array(audioSchema), total: z.number() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // `status` and `metadata` go as lists, as the official clients send them (aioz-stream-go-client
  // `model_get_media_list_request.go`: `Status *[]string`, `Metadata *[]Metadata`; nodejs-client
  // `src/model/GetMediaListRequest.ts`), not as the document's single value and object.
  fixed: { type: "audio" },
  request: ({ metadata, ...input }) => ({
    body: { ...input, ...(metadata ? { metadata: metadataList(metadata) } : {}) },
  }),
  toResult: (data) => toAudioList(data),
  summary: (result) => `${result.audios.length} of ${result.total} audio object(s).`,
});

export const getAudio = defineEndpoint({
  name: "aioz_get_audio",
  ui: "player",
  media: "audio",
  title: "Get an AIOZ audio",
  description: "An audio object: status, HLS/DASH stream and player URLs.",
  toolset: "aioz",
  see: `${docs}#get-audio-detail`,
  route: "GET /media/{audio_id}",
  input: z.object({ audio_id: audioId }),
  output: z.object({ audio: audioSchema }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toResult: (data) => ({ audio: toAudio(data) }),
  summary: (result) =>
    `Audio ${result.audio.id} (${result.audio.status})${result.audio.hls_url ? `: ${result.audio.hls_url}` : ""}`,
});

export const updateAudio = defineEndpoint({
  name: "aioz_update_audio",
  title: "Update an AIOZ audio",
  description: "Change an audio object's fields.",
  toolset: "aioz",
  see: `${docs}#update-audio-info`,
  route: "PATCH /media/{audio_id}",
  // Setting the same fields twice leaves the same state.
  safeToRetry: true,
  input: z.object({
    audio_id: audioId,
    title: title.optional().describe(`≤${maxTitleLength} chars`),
    description: description.optional(),
    metadata: metadata.optional(),
    tags: tags.optional(),
    is_public: z.boolean().optional().describe("Public"),
    player_theme_id: z.string().optional().describe("Player theme id"),
  }),
  output: z.object({ updated: z.boolean(), audio_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  // The document names the player `player_theme_id`; the official clients send `player_id`
  // (aioz-stream-go-client `model_update_media_info_request.go`: `PlayerId json:"player_id"`; nodejs-client
  // `src/model/UpdateMediaInfoRequest.ts`: baseName 'player_id').
  request: ({ audio_id: _audio, player_theme_id, ...input }) => ({
    body: { ...input, ...(player_theme_id === undefined ? {} : { player_id: player_theme_id }) },
  }),
  toResult: (_data, input) => ({ updated: true, audio_id: input.audio_id }),
  summary: (result) => `Updated audio ${result.audio_id}.`,
});

export const deleteAudio = defineEndpoint({
  name: "aioz_delete_audio",
  title: "Delete an AIOZ audio",
  description: "Delete an audio object and its streams, for good.",
  toolset: "aioz",
  see: `${docs}#delete-audio`,
  route: "DELETE /media/{audio_id}",
  input: z.object({ audio_id: audioId }),
  output: z.object({ deleted: z.boolean(), audio_id: z.string() }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  toResult: (_data, input) => ({ deleted: true, audio_id: input.audio_id }),
  summary: (result) => `Deleted audio ${result.audio_id}.`,
});

export const estimateCost = defineEndpoint({
  name: "aioz_estimate_transcode_cost",
  title: "Estimate AIOZ transcode cost",
  description: "USD price to transcode audio of a duration into qualities.",
  toolset: "aioz",
  see: `${docs}#calculate-transcode-price`,
  route: "GET /media/cost",
  input: z.object({
    qualities: z.array(resolution).min(1).describe("Quality levels"),
    duration: z.number().positive().describe("Seconds, > 0"),
  }),
  output: z.object({ price_usd: z.number(), is_enough: z.boolean() }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  fixed: { type: "audio" },
  toResult: (data) => {
    const record = asRecord(data);
    return { price_usd: asNumber(record.price) ?? 0, is_enough: record.is_enough === true };
  },
  summary: (result) =>
    `About ${result.price_usd} USD; balance ${result.is_enough ? "is enough" : "is not enough"}.`,
});

export const completeUpload = defineEndpoint({
  name: "aioz_complete_audio_upload",
  ui: "player",
  media: "audio",
  title: "Complete an AIOZ upload",
  description: "Finish an upload once every part is sent; returns the transcoding job.",
  toolset: "aioz",
  see: `${docs}#upload-audio-completed`,
  route: "GET /media/{audio_id}/complete",
  input: z.object({ audio_id: audioId, wait_s: waitSeconds }),
  output: z.object({ audio_id: z.string(), job: jobSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  local: ["wait_s"],
  startsJob: true,
  toResult: async (_data, input, context) => ({
    audio_id: input.audio_id,
    job: await waitWithin(startedJob("aioz", input.audio_id, "transcode"), input.wait_s, context),
  }),
  summary: (result) => describeJob(result.job),
});
