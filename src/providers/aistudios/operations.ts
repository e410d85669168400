import { z } from "zod";
import { defineEndpoint, type Operation } from "../../tools/operation.js";
import { asArray, asRecord, asString, compact, requiredString } from "../envelope.js";

const docs = "https://docs.aistudios.com/docs/api/simple";

/** A `label: {ko, en}` as one name: English when there is one, else Korean. */
function labelName(value: unknown): string | undefined {
  const label = asRecord(value);
  return asString(label.en) ?? asString(label.ko);
}

const listModels = defineEndpoint({
  name: "aistudios_list_models",
  title: "List AI Studios voice models",
  description: "The AI models (voices) for aistudios_export_audio.",
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
  input: z.object({
    // Refinements rather than `pattern`: the same rule and message, without a regex in every listing.
    language: z
      .string()
      .refine((value) => /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(value), {
        error: "must be a BCP 47 tag such as en or ko",
      })
      .describe("BCP 47 tag, e.g. en, ko"),
    text: z.string().trim().min(1, { error: "must not be empty" }).describe("Text to read"),
    model: z
      .string()
      .refine((value) => /^[A-Za-z0-9_-]+$/.test(value), { error: "must be a model id such as M000045058" })
      .describe("Model id, e.g. M000045058"),
  }),
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

export const aistudiosOperations: Operation[] = [listModels, exportAudio];
