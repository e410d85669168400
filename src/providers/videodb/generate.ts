import { z } from "zod";
import { describeJob, type Job, jobSchema } from "../../jobs/job.js";
import { startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { defineEndpoint, type ToolContext } from "../../tools/operation.js";
import { asRecord, asString } from "../envelope.js";
import { encodeJobRef } from "./job-refs.js";
import { mediaResult } from "./results.js";
import { callbackUrl, collectionId } from "./schemas.js";
import { startedFrom, waitLeft } from "./started.js";

const docs = "https://docs.videodb.io/api-reference";

const spending = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };

/**
 * The job of a generation: VideoDB answers asynchronously (`openapi.yaml`: AsyncResponse); an answer that
 * is already the media (as the SDKs also accept) is a job done at once.
 */
async function generationJob(
  data: unknown,
  kind: "audio" | "image",
  collection: string,
  context: ToolContext,
): Promise<Job> {
  const record = asRecord(data);
  const id = asString(record.id);
  if (asString(record.output_url) || !id || !/^(a|img)-/.test(id)) {
    return startedFrom(data, kind, collection, context);
  }
  const { poll_after_ms: _none, ...job } = startedJob(
    "videodb",
    encodeJobRef("media", collection, id),
    kind === "audio" ? "audio_generation" : "image_generation",
  );
  return { ...job, status: "done", progress: 100, result: await mediaResult(data, collection, context) };
}

/** Non-empty, checked by a refinement: the rule needs no `minLength` in every listing. */
const nonEmpty = z.string().refine((value) => value.trim() !== "", { error: "must not be empty" });

export const generateAudio = defineEndpoint({
  name: "videodb_generate_audio",
  title: "Generate voice, music or a sound effect",
  description:
    "Voice-over from text, or music or a sound effect from a prompt; spends credits. Returns a job; result: audio_id, url.",
  toolset: "videodb",
  see: `${docs}/collection/generate_audio`,
  route: "POST /collection/{collection_id}/generate/audio/",
  input: z
    .object({
      kind: z.enum(["voice", "music", "sound_effect"]).describe("Kind"),
      text: nonEmpty.optional().describe("Voice: words"),
      prompt: nonEmpty.optional().describe("Music/effect prompt"),
      duration: z
        .int({ error: "must be an integer" })
        .min(1, { error: "must be 1-300 seconds (music) or 1-30 (sound effect)" })
        .max(300, { error: "must be 1-300 seconds (music) or 1-30 (sound effect)" })
        .optional()
        .describe("Music 1-300 s (default 5), effect 1-30 (default 2)"),
      voice_name: nonEmpty.default("Default").describe("Voice; default: Default"),
      config: z.record(z.string(), z.unknown()).optional().describe("Voice/effect options"),
      collection_id: collectionId,
      callback_url: callbackUrl,
      wait_s: waitSeconds,
    })
    .superRefine((input, issues) => {
      const voice = input.kind === "voice";
      const rule = (field: string, message: string) =>
        issues.addIssue({ code: "custom", path: [field], message });
      if (voice && input.text === undefined) rule("text", "kind voice needs text");
      if (voice && input.prompt !== undefined) rule("prompt", "kind voice takes text, not prompt");
      if (voice && input.duration !== undefined) rule("duration", "kind voice takes no duration");
      if (!voice && input.prompt === undefined) rule("prompt", `kind ${input.kind} needs a prompt`);
      if (!voice && input.text !== undefined) rule("text", `kind ${input.kind} takes prompt, not text`);
      if (input.kind === "sound_effect" && (input.duration ?? 0) > 30)
        rule("duration", "a sound effect lasts 1-30 seconds");
      if (input.kind === "music" && input.config !== undefined) rule("config", "kind music takes no config");
    }),
  output: z.object({ job: jobSchema }),
  annotations: spending,
  ui: "player",
  media: "audio",
  startsJob: true,
  // The body of each kind as video-db/videodb-python `videodb/collection.py` sends it (`generate_voice`,
  // `generate_music`, `generate_sound_effect`), `config` `{}` when none is given. `openapi.yaml` names the
  // kinds speech, music, sound_effect with a prompt; the SDK code wins.
  request: (input) => {
    const callback = input.callback_url === undefined ? {} : { callback_url: input.callback_url };
    if (input.kind === "voice") {
      return {
        body: {
          text: input.text,
          audio_type: "voice",
          voice_name: input.voice_name,
          config: input.config ?? {},
          ...callback,
        },
      };
    }
    if (input.kind === "music") {
      return {
        body: { prompt: input.prompt, duration: input.duration ?? 5, audio_type: "music", ...callback },
      };
    }
    return {
      body: {
        prompt: input.prompt,
        duration: input.duration ?? 2,
        audio_type: "sound_effect",
        config: input.config ?? {},
        ...callback,
      },
    };
  },
  toResult: async (data, input, context) => {
    const job = await generationJob(data, "audio", input.collection_id, context);
    return { job: await waitWithin(job, waitLeft(input.wait_s, context), context) };
  },
  summary: (result) => describeJob(result.job),
});

export const generateImage = defineEndpoint({
  name: "videodb_generate_image",
  title: "Generate an image with AI",
  description: "Image from a prompt; spends credits. Returns a job; result: image_id, url.",
  toolset: "videodb",
  see: `${docs}/collection/generate_image`,
  route: "POST /collection/{collection_id}/generate/image/",
  input: z.object({
    prompt: nonEmpty.describe("What the image shows"),
    aspect_ratio: z.enum(["1:1", "9:16", "16:9", "4:3", "3:4"]).default("1:1").describe("Default 1:1"),
    collection_id: collectionId,
    callback_url: callbackUrl,
    wait_s: waitSeconds,
  }),
  output: z.object({ job: jobSchema }),
  annotations: spending,
  ui: "player",
  media: "image",
  local: ["wait_s"],
  startsJob: true,
  toResult: async (data, input, context) => {
    const job = await generationJob(data, "image", input.collection_id, context);
    return { job: await waitWithin(job, waitLeft(input.wait_s, context), context) };
  },
  summary: (result) => describeJob(result.job),
});
