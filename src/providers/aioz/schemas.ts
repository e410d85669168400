import { z } from "zod";
import { asArray, asNumber, asRecord, asString, compact } from "../envelope.js";

export const audioId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^(?!\.\.?$)/, { error: 'must be an audio id, not "." or ".."' })
  .describe("AIOZ audio id from aioz_create_audio or aioz_list_audio; up to 128 characters");

export const resolutions = ["standard", "good", "highest", "lossless"] as const;
export const resolution = z.enum(resolutions);
export const sampleRates = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000] as const;

const containerTypes: Record<string, readonly string[]> = { hls: ["mpegts", "mp4"], dash: ["fmp4"] };

export const quality = z
  .object({
    resolution: resolution.describe("Preset"),
    type: z.enum(["hls", "dash"]).describe("hls or dash"),
    container_type: z
      .enum(["mpegts", "mp4", "fmp4"])
      .describe("Must match type: hls → mpegts or mp4; dash → fmp4"),
    audio_config: z
      .object({
        codec: z.enum(["aac"]).default("aac").describe("Codec; default aac"),
        bitrate: z.int().positive().describe("Bits/s > 0, e.g. 128000"),
        channels: z.enum(["2"]).default("2").describe('Stereo; default "2"'),
        sample_rate: z.literal(sampleRates).meta({ type: "integer" }).describe("Sample rate, Hz"),
        language: z.string().optional().describe("BCP 47 tag, e.g. en"),
        index: z.int().min(0).optional().describe("Input track, usually 0"),
      })
      .describe("Audio encoding"),
  })
  .refine((q) => containerTypes[q.type]?.includes(q.container_type), {
    error: "container_type must match type (hls: mpegts or mp4; dash: fmp4)",
    path: ["container_type"],
  });

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
  .describe(`Description, ≤${maxDescriptionLength} chars`);
const metadataKey = z
  .string()
  .max(maxMetadataKeyLength, { error: `must be at most ${maxMetadataKeyLength} characters` })
  .describe(`Key, ≤${maxMetadataKeyLength} chars`);

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
  .describe(`Metadata filter, e.g. {"genre":"podcast"}; keys ≤${maxMetadataKeyLength} chars`);

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
