import { MediagateError } from "../../errors.js";

/**
 * What a VideoDB job id carries besides the provider, so that any instance can poll it and build its
 * final result with nothing but the id: the kind of work, what the result needs that VideoDB's answer
 * may not repeat (the video, the collection), and the async-response id. Written
 * `{kind}:{field}:{async id}`, each field percent-encoded so a colon inside one cannot shift the others.
 * A bare id without a known kind is a video generation, as job ids were before the other kinds.
 */
export const jobKinds = {
  /** An upload VideoDB runs asynchronously: fields collection, async id. */
  upload: "upload",
  /** An upload (or a sync answer) already done: fields collection, media id; polled by reading the media. */
  media: "upload",
  /** Spoken-word indexing: fields video id, async id. */
  index: "spoken_word_index",
  /** Indexing VideoDB answered at once (already indexed): field video id. */
  indexed: "spoken_word_index",
  /** A transcript VideoDB is still making: fields video id, async id. */
  transcript: "transcription",
  /** Voice, music or a sound effect: fields collection, async id. */
  audio: "audio_generation",
  /** An image: fields collection, async id. */
  image: "image_generation",
} as const;

export type JobRefKind = keyof typeof jobKinds;

export interface JobRef {
  kind: JobRefKind | "video";
  /** The fields after the kind, decoded; for an async kind the last is the async-response id. */
  fields: string[];
}

export function encodeJobRef(kind: JobRefKind, ...fields: string[]): string {
  return [kind, ...fields.map((field) => encodeURIComponent(field))].join(":");
}

const fieldCounts: Record<JobRefKind, number> = {
  upload: 2,
  media: 2,
  index: 2,
  indexed: 1,
  transcript: 2,
  audio: 2,
  image: 2,
};

export function decodeJobRef(remoteId: string): JobRef {
  const [head = "", ...rest] = remoteId.split(":");
  if (!Object.hasOwn(fieldCounts, head)) return { kind: "video", fields: [remoteId] };
  const kind = head as JobRefKind;
  let fields: string[];
  try {
    fields = rest.map((field) => decodeURIComponent(field));
  } catch {
    fields = [];
  }
  if (fields.length !== fieldCounts[kind] || fields.some((field) => field === "")) {
    throw new MediagateError(
      "invalid_input",
      `job_id: "videodb:${remoteId}" is not a job id mediagate gave; pass the id exactly as the tool returned it`,
    );
  }
  return { kind, fields };
}
