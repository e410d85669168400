import { z } from "zod";
import { asNumber, asRecord, asString, compact } from "../envelope.js";

/*
 * Id forms are checked by refinements rather than `pattern`: the rule and its message are the same, the
 * description says the form, and no regex is paid for in every listing.
 */
export const videoId = z
  .string()
  .refine((value) => /^m-[\w-]+$/.test(value), { error: 'must be a VideoDB video id starting with "m-"' })
  .describe("Video id m-…");
export const audioId = z
  .string()
  .refine((value) => /^a-[\w-]+$/.test(value), { error: 'must be a VideoDB audio id starting with "a-"' })
  .describe("Audio id a-…");
export const collectionId = z
  .string()
  .refine((value) => /^[^/?#]+$/.test(value), { error: "must be a collection id without / ? or #" })
  .default("default")
  .describe("Default: default");

export const videoSchema = z.object({
  id: z.string(),
  name: z.string(),
  length: z.number().describe("Seconds"),
  stream_url: z.string().optional(),
  player_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
});
export type Video = z.infer<typeof videoSchema>;

export function toVideo(value: unknown): Video {
  const video = asRecord(value);
  return {
    id: asString(video.id) ?? "",
    name: asString(video.name) ?? "",
    length: asNumber(video.length) ?? 0,
    ...compact({
      stream_url: asString(video.stream_url),
      player_url: asString(video.player_url),
      thumbnail_url: asString(video.thumbnail_url),
    }),
  };
}

/** Checked by a refinement, as the ids are: the rule is the same, and no `format` is paid for in every listing. */
export const callbackUrl = z
  .string()
  .refine((value) => /^https?:\/\/[^/?#\s]+/i.test(value) && URL.canParse(value), {
    error: "must be an http(s) URL",
  })
  .optional()
  .describe("Webhook URL");
