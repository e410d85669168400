import { z } from "zod";
import { MediagateError } from "../../errors.js";
import { describeJob, jobSchema } from "../../jobs/job.js";
import { startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { sendEndpoint } from "../../tools/execute.js";
import { defineEndpoint, defineProcedure, type Endpoint, type Operation } from "../../tools/operation.js";
import { asArray, asRecord, asString, compact, requiredString } from "../envelope.js";
import { renderKind } from "./jobs.js";

const docs = "https://docs.aistudios.com/docs/api/simple";

/** A `label: {ko, en}` as one name: English when there is one, else Korean. */
function labelName(value: unknown): string | undefined {
  const label = asRecord(value);
  return asString(label.en) ?? asString(label.ko);
}

// Refinements rather than `pattern`: the same rule and message, without a regex in every listing.
const language = z
  .string()
  .refine((value) => /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value), {
    error: "must be a BCP 47 tag such as en or ko",
  })
  .describe("BCP 47 tag, e.g. en, ko");
const text = z.string().trim().min(1, { error: "must not be empty" }).describe("Text to read");
const idPattern = /^[A-Za-z0-9_-]+$/;
const model = z
  .string()
  .refine((value) => idPattern.test(value), { error: "must be a model id such as M000045058" })
  .describe("Model id, e.g. M000045058");

const listModels = defineEndpoint({
  name: "aistudios_list_models",
  title: "List AI Studios models and their clothes",
  description: "AI models (voices, presenters) and their clothes.",
  toolset: "aistudios",
  see: docs,
  route: "GET /api/odin/v3/model",
  input: z.object({}),
  // Only what the document has (DeepBrain-AI/docs `versioned_docs/version-1.6.x/aistudioV3/reference/
  // model-list.md`: `models[].{id, label: {ko, en}, thumbnail, clothes[].{id, label, thumbnail}}`): it
  // lists no languages, so a model's languages are not claimed.
  output: z.object({
    models: z.array(
      z.object({
        id: z.string(),
        name: z.string().describe("label.en, else label.ko"),
        thumbnail: z.string().optional(),
        clothes: z
          .array(z.object({ id: z.string(), name: z.string(), thumbnail: z.string().optional() }))
          .optional(),
      }),
    ),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  toResult: (data) => ({
    models: asArray(asRecord(data).models).map((value) => {
      const model = asRecord(value);
      const id = asString(model.id) ?? "";
      const clothes = asArray(model.clothes).flatMap((item) => {
        const cloth = asRecord(item);
        const clothId = asString(cloth.id);
        if (clothId === undefined) return [];
        return [
          {
            id: clothId,
            name: labelName(cloth.label) ?? clothId,
            ...compact({ thumbnail: asString(cloth.thumbnail) }),
          },
        ];
      });
      return {
        id,
        name: labelName(model.label) ?? id,
        ...compact({ thumbnail: asString(model.thumbnail) }),
        ...(clothes.length > 0 ? { clothes } : {}),
      };
    }),
  }),
  summary: (result) => `${result.models.length} model(s).`,
});

const exportAudio = defineEndpoint({
  name: "aistudios_export_audio",
  ui: "player",
  media: "audio",
  title: "Text to speech in an AI model's voice",
  description:
    "Text to speech in a model's voice (spends credits); returns a download URL. The model must speak `language`.",
  toolset: "aistudios",
  see: `${docs}/export-audio`,
  route: "POST /api/odin/v3/simple/audio",
  input: z.object({ language, text, model }),
  output: z.object({
    file_name: z.string(),
    download_url: z.string(),
    meta: z.array(z.record(z.string(), z.unknown())).describe("The provider's metadata of the file"),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  toResult: (data) => {
    const record = asRecord(data);
    return {
      file_name: asString(record.fileName) ?? "",
      download_url: requiredString(record.downloadUrl, "downloadUrl", "AI Studios"),
      meta: asArray(record.metaList).map(asRecord),
    };
  },
  summary: (result) => `Audio ready: ${result.download_url}`,
});

/** Not retried: every accepted request starts a render that spends credits. */
const createVideo: Endpoint = {
  provider: "aistudios",
  route: "POST /api/odin/v3/simple/video",
  // Exported, not left as a draft on the project dashboard (the document's `isExport`, default false).
  fixed: { isExport: true },
  request: (input) => ({
    body: compact({
      language: input.language,
      text: input.text,
      model: input.model,
      clothes: input.clothes,
      resolution: input.resolution,
      webhookUrl: input.webhook_url,
    }),
  }),
};

const mayHaveStarted =
  "The render may have started and spent credits: check the AI Studios project dashboard before calling again.";

/** An answer mediagate cannot read, after a request that was carried out: it may have started a render. */
function startUnknown(error: unknown): unknown {
  if (!(error instanceof MediagateError) || error.kind !== "bad_response") return error;
  return new MediagateError(error.kind, error.message, {
    ...(error.provider === undefined ? {} : { provider: error.provider }),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.providerMessage === undefined ? {} : { providerMessage: error.providerMessage }),
    remedy: mayHaveStarted,
    cause: error,
  });
}

const generateVideo = defineProcedure({
  name: "aistudios_generate_video",
  title: "Presenter video of an AI model reading a text",
  description:
    "MP4 of a presenter model reading text (spends credits; renders take minutes); job result: download_url.",
  toolset: "aistudios",
  see: "https://docs.aistudios.com/aistudioV3/reference/simple-video",
  input: z.object({
    language,
    text,
    model: model.describe("Model id, from aistudios_list_models"),
    clothes: z
      .string()
      .refine((value) => idPattern.test(value), { error: "must be a clothes id of the model" })
      .describe("Clothes id of the model, from aistudios_list_models"),
    resolution: z.enum(["4k", "1080", "720", "480"]).optional().describe("Default 1080"),
    // A refinement rather than `z.url()`, whose `format: "uri"` every listing would carry.
    webhook_url: z
      .string()
      .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), {
        error: "must be an http(s) URL",
      })
      .optional()
      .describe("Notified when done"),
    wait_s: waitSeconds,
  }),
  output: z.object({ job: jobSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  startsJob: true,
  ui: "player",
  media: "video",
  // DeepBrain-AI/docs `versioned_docs/version-1.6.x/aistudioV3/reference/simple-video.md`: the answer is
  // `{projectId}`, whose export `progress.md` reports; the job is that project.
  run: async (input, context) => {
    let data: Record<string, unknown>;
    try {
      data = asRecord(await sendEndpoint(createVideo, input, context));
    } catch (error) {
      throw startUnknown(error);
    }
    const projectId = asString(data.projectId);
    if (projectId === undefined) {
      throw new MediagateError("bad_response", "answered without projectId", {
        provider: "AI Studios",
        remedy: mayHaveStarted,
      });
    }
    return {
      job: await waitWithin(startedJob("aistudios", projectId, renderKind), input.wait_s, context),
    };
  },
  summary: (result) => describeJob(result.job),
});

export const aistudiosOperations: Operation[] = [listModels, exportAudio, generateVideo];
