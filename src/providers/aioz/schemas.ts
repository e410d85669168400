import { z } from "zod";
import { asArray, asNumber, asRecord, asString, compact } from "../envelope.js";

export const audioId = z
  .string()
  .min(1)
  .max(128)
  // A refinement, not a `pattern`: the rule is enforced the same, and the listing carries no regex.
  .refine((id) => id !== "." && id !== "..", { error: 'must be an audio id, not "." or ".."' })
  .describe("AIOZ audio id, ≤128 chars");

export const resolutions = ["standard", "good", "highest", "lossless"] as const;
export const resolution = z.enum(resolutions);
export const sampleRates = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000] as const;

const containerTypes: Record<string, readonly string[]> = { hls: ["mpegts", "mp4"], dash: ["fmp4"] };

/** The full form of one transcoding output, as the document writes it; its rules are the document's. */
export const quality = z
  .object({
    resolution,
    type: z.enum(["hls", "dash"]),
    container_type: z.enum(["mpegts", "mp4", "fmp4"]),
    audio_config: z.object({
      codec: z.enum(["aac"]).default("aac"),
      bitrate: z.int().positive(),
      channels: z.enum(["2"]).default("2"),
      sample_rate: z.literal(sampleRates),
      language: z.string().optional(),
      index: z.int().min(0).optional(),
    }),
  })
  .refine((q) => containerTypes[q.type]?.includes(q.container_type), {
    error: "container_type must match type (hls: mpegts or mp4; dash: fmp4)",
    path: ["container_type"],
  });
export type Quality = z.output<typeof quality>;

export const qualityPresetNames = [
  "standard-hls",
  "standard-dash",
  "good-hls",
  "good-dash",
  "highest-hls",
  "highest-dash",
  "lossless-hls",
  "lossless-dash",
] as const;
type QualityPresetName = (typeof qualityPresetNames)[number];

/*
 * Bitrates from the document's "Recommended Audio Bitrates" (standard 128 kbps, high quality 192-256) and
 * its examples (highest 320 kbps at 44.1 kHz); AAC stops at 320 kbps, so "lossless" is the same rate at
 * 48 kHz. Containers as the examples pair them: hls with mpegts, dash with fmp4.
 */
const presetAudio: Record<(typeof resolutions)[number], { bitrate: number; sample_rate: 44100 | 48000 }> = {
  standard: { bitrate: 128000, sample_rate: 44100 },
  good: { bitrate: 192000, sample_rate: 44100 },
  highest: { bitrate: 320000, sample_rate: 44100 },
  lossless: { bitrate: 320000, sample_rate: 48000 },
};

export function qualityPreset(name: QualityPresetName): Quality {
  const [level, type] = name.split("-") as [(typeof resolutions)[number], "hls" | "dash"];
  return {
    resolution: level,
    type,
    container_type: type === "hls" ? "mpegts" : "fmp4",
    audio_config: { codec: "aac", channels: "2", index: 0, ...presetAudio[level] },
  };
}

/**
 * `qualities` as the model writes it: preset names, or the document's full objects where a preset does not
 * fit. The listing shows the full form only as "an object" (its fields are told once, in the server
 * instructions) so that its nested schema is not paid for in every session; each object is still checked
 * against `quality`, and a bad one is refused naming its field (`qualities[0].audio_config.codec`).
 */
export const qualities = z
  // Any item passes here and is checked below, so the listing shows the full form as a bare object.
  .array(z.union([z.enum(qualityPresetNames), z.unknown().meta({ type: "object" })]))
  .min(1)
  .superRefine((items, context) => {
    items.forEach((item, index) => {
      if (typeof item !== "object" || item === null) {
        if (typeof item === "string" && (qualityPresetNames as readonly string[]).includes(item)) return;
        context.addIssue({
          code: "custom",
          message: `must be a preset (${qualityPresetNames.join(", ")}) or a full quality object`,
          path: [index],
        });
        return;
      }
      const parsed = quality.safeParse(item);
      if (parsed.success) return;
      for (const issue of parsed.error.issues) {
        context.addIssue({ code: "custom", message: issue.message, path: [index, ...issue.path] });
      }
    });
  })
  .transform((items) =>
    items.map((item) =>
      typeof item === "string" ? qualityPreset(item as QualityPresetName) : quality.parse(item),
    ),
  )
  .describe("Transcoding outputs (presets or full objects); default the provider's");

/*
 * The limits the official clients' tests expect the service to refuse beyond (aioz-stream-go-client
 * `api_video_test.go`, aioz-stream-nodejs-client `test/Video.spec.ts`: "Invalid Title - Too Long" at 256,
 * "Invalid Description - Too Long" at 1001, "Invalid Metadata - Key Too Long" at 256); checked here so
 * nothing is sent that AIOZ would refuse.
 */
export const maxTitleLength = 255;
export const maxDescriptionLength = 1000;
export const maxMetadataKeyLength = 255;

export const title = z
  .string()
  .trim()
  .min(1, { error: "must not be empty" })
  .max(maxTitleLength, { error: `must be at most ${maxTitleLength} characters` });
export const description = z
  .string()
  .max(maxDescriptionLength, { error: `must be at most ${maxDescriptionLength} characters` })
  .describe(`≤${maxDescriptionLength} chars`);
const metadataKey = z
  .string()
  .max(maxMetadataKeyLength, { error: `must be at most ${maxMetadataKeyLength} characters` })
  .describe(`≤${maxMetadataKeyLength} chars`);

export const metadata = z
  .array(z.object({ key: metadataKey, value: z.string().describe("Value") }))
  .describe("Key/value pairs");
export const tags = z.array(z.string()).describe("Tags");

export const statuses = ["new", "transcoding", "done", "fail", "deleted"] as const;

/**
 * The list filter as the agent writes it (`{"genre": "podcast"}`, as the document's example does) with
 * the key limit; it goes on the wire as the `{key, value}` list the official clients send.
 */
export const metadataFilter = z
  .record(z.string(), z.string())
  // A key schema on the record would report only "Invalid key in record"; this names the key and the rule.
  .superRefine((filter, context) => {
    for (const key of Object.keys(filter)) {
      if (key.length > maxMetadataKeyLength) {
        context.addIssue({
          code: "custom",
          message: `key must be at most ${maxMetadataKeyLength} characters`,
          path: [key],
        });
      }
    }
  })
  .describe(`e.g. {"genre":"podcast"}; keys ≤${maxMetadataKeyLength} chars`);

/** `{"genre": "podcast"}` → `[{key: "genre", value: "podcast"}]`. */
export function metadataList(filter: Record<string, string>): Array<{ key: string; value: string }> {
  return Object.entries(filter).map(([key, value]) => ({ key, value }));
}

const qualityStatus = z.object({ name: z.string(), status: z.string(), type: z.string() });

/** The media object with its asset URLs lifted to the top, iframes left out (they only cost context). */
export const audioSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.string().describe("new, transcoding, done, fail or deleted"),
  description: z.string().optional(),
  duration: z.number().optional(),
  size: z.number().optional(),
  is_public: z.boolean().optional(),
  tags: z.array(z.string()).optional(),
  metadata: z.array(z.object({ key: z.string(), value: z.string() })).optional(),
  qualities: z.array(qualityStatus).optional(),
  hls_url: z.string().optional(),
  hls_player_url: z.string().optional(),
  dash_url: z.string().optional(),
  dash_player_url: z.string().optional(),
  source_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
  player_theme_id: z.string().optional(),
  created_at: z.string().optional(),
  updated_at: z.string().optional(),
});
export type Audio = z.infer<typeof audioSchema>;

export function toAudio(value: unknown): Audio {
  const media = asRecord(value);
  const assets = asRecord(media.assets);
  const list = (items: unknown) => (Array.isArray(items) ? items : undefined);
  return {
    id: asString(media.id) ?? "",
    title: asString(media.title) ?? "",
    status: asString(media.status) ?? "new",
    ...compact({
      description: asString(media.description),
      duration: asNumber(media.duration),
      size: asNumber(media.size),
      is_public: typeof media.is_public === "boolean" ? media.is_public : undefined,
      tags: list(media.tags)?.filter((tag): tag is string => typeof tag === "string"),
      metadata: list(media.metadata)?.map((item) => {
        const pair = asRecord(item);
        return { key: String(pair.key ?? ""), value: String(pair.value ?? "") };
      }),
      qualities: list(media.qualities)?.map((item) => {
        const q = asRecord(item);
        return { name: String(q.name ?? ""), status: String(q.status ?? ""), type: String(q.type ?? "") };
      }),
      hls_url: asString(assets.hls_url),
      hls_player_url: asString(assets.hls_player_url),
      dash_url: asString(assets.dash_url),
      dash_player_url: asString(assets.dash_player_url),
      source_url: asString(assets.source_url),
      thumbnail_url: asString(assets.thumbnail_url),
      player_theme_id: asString(media.player_theme_id),
      created_at: asString(media.created_at),
      updated_at: asString(media.updated_at),
    }),
  };
}

export function toAudioList(data: unknown): { audios: Audio[]; total: number } {
  const record = asRecord(data);
  // `videos` in the documents, `media` in newer SDKs.
  const items = asArray(record.videos ?? record.media);
  return { audios: items.map(toAudio), total: asNumber(record.total) ?? items.length };
}
