import { z } from "zod";
import { MediagateError } from "../../errors.js";
import { sendEndpoint } from "../../tools/execute.js";
import type { ToolContext } from "../../tools/operation.js";
import { asArray, asNumber, asRecord, asString, compact, requiredString } from "../envelope.js";
import { audioUrl, imageUrl } from "./endpoints.js";
import { toVideo } from "./schemas.js";

/**
 * The result of a finished upload or generation, from the media object VideoDB answers with. Its kind
 * follows the id's prefix, as the SDKs decide it (video-db/videodb-python `videodb/collection.py`
 * `upload`: `m-` video, `a-` audio, `img-` image). An audio object has no URL of its own: its playable
 * URL comes from `generate_url`; an image's from its `url`, or `generate_url` where it has none.
 */
export async function mediaResult(
  data: unknown,
  collection: string,
  context: ToolContext,
): Promise<Record<string, unknown>> {
  const media = asRecord(data);
  const id = requiredString(media.id, "the media's id", "VideoDB");
  const collectionId = asString(media.collection_id) ?? collection;
  const name = asString(media.name);
  if (id.startsWith("m-")) {
    const video = toVideo(media);
    return {
      media_type: "video",
      video_id: id,
      ...compact({
        name,
        length: video.length || undefined,
        stream_url: video.stream_url,
        player_url: video.player_url,
        thumbnail_url: video.thumbnail_url,
      }),
      collection_id: collectionId,
    };
  }
  if (id.startsWith("a-")) {
    const answer = asRecord(
      await sendEndpoint(audioUrl, { audio_id: id, collection_id: collectionId }, context),
    );
    // The API answers data.stream_url (`openapi.yaml`); the SDKs read data.signed_url: accept both.
    const url = requiredString(answer.stream_url ?? answer.signed_url, "the audio's URL", "VideoDB");
    return {
      media_type: "audio",
      audio_id: id,
      url,
      ...compact({ name, length: asNumber(media.length) }),
      collection_id: collectionId,
    };
  }
  if (id.startsWith("img-")) {
    let url = asString(media.url);
    if (!url) {
      const answer = asRecord(
        await sendEndpoint(imageUrl, { image_id: id, collection_id: collectionId }, context),
      );
      url = requiredString(answer.signed_url ?? answer.image_url, "the image's URL", "VideoDB");
    }
    return { media_type: "image", image_id: id, url, ...compact({ name }), collection_id: collectionId };
  }
  throw new MediagateError("bad_response", `answered with a media id "${id.slice(0, 40)}" of no known kind`, {
    provider: "VideoDB",
    remedy: "The media may exist: list the collection's videos or audios to find it.",
  });
}

/** About this many characters of transcript text in one result; the rest is asked for from `next_start`. */
export const transcriptCharacters = 20_000;
const segmentOverhead = 32;

export const transcriptSchema = z.object({
  video_id: z.string(),
  text: z.string(),
  segments: z.array(z.object({ start: z.number(), end: z.number(), text: z.string() })),
  truncated: z.boolean().optional().describe("More follows: call again with start = next_start"),
  next_start: z.number().optional().describe("Seconds to pass as start for the rest"),
});
export type Transcript = z.infer<typeof transcriptSchema>;

/**
 * A transcript as VideoDB answers it, kept small: the segments in order while their text stays within
 * about 20,000 characters, cut at a segment's boundary, with where to continue. The SDKs read
 * `word_timestamps` and `text` (video-db/videodb-python `videodb/video.py` `_fetch_transcript`), where
 * `openapi.yaml` names the list `transcript`: the code wins, and either is read.
 */
export function transcriptResult(videoId: string, data: unknown): Transcript {
  const record = asRecord(data);
  const all = asArray(record.word_timestamps ?? record.transcript).map((value) => {
    const segment = asRecord(value);
    return {
      start: asNumber(segment.start) ?? 0,
      end: asNumber(segment.end) ?? 0,
      text: typeof segment.text === "string" ? segment.text : "",
    };
  });
  let size = 0;
  let kept = 0;
  for (const segment of all) {
    // A segment's timing costs about as much as a word: word-by-word transcripts get fewer words.
    size += segment.text.length + segmentOverhead;
    if (kept > 0 && size > transcriptCharacters) break;
    kept += 1;
  }
  if (all.length === 0) {
    // Text without timed segments: cut at a space, with nothing to continue from.
    const whole = asString(record.text) ?? "";
    if (whole.length <= transcriptCharacters) return { video_id: videoId, text: whole, segments: [] };
    const cut = whole.lastIndexOf(" ", transcriptCharacters);
    return {
      video_id: videoId,
      text: whole.slice(0, cut > 0 ? cut : transcriptCharacters),
      segments: [],
      truncated: true,
    };
  }
  const segments = all.slice(0, kept);
  const next = all[kept];
  if (next === undefined) {
    const text = typeof record.text === "string" ? record.text : segments.map((s) => s.text).join(" ");
    return { video_id: videoId, text, segments };
  }
  return {
    video_id: videoId,
    text: segments.map((s) => s.text).join(" "),
    segments,
    truncated: true,
    next_start: next.start,
  };
}
