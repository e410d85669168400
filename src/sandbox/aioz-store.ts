// The AIOZ emulator's media: what exists, in what state, and the order in which an upload may change it.

import { join } from "node:path";
import type { MetadataPair, Quality, Status } from "./aioz-validation.js";
import { HttpError } from "./http.js";
import type { AudioKind } from "./media.js";

export interface Media {
  seq: number;
  id: string;
  title: string;
  description: string;
  metadata: MetadataPair[];
  tags: string[];
  qualities: Quality[];
  is_public: boolean;
  player_theme_id: string;
  status: Status;
  duration: number;
  size: number;
  createdAt: number;
  updatedAt: number;
  /** Upload state: parts arrive in any order and are written at their offset in `file`. */
  parts: Part[];
  /** Bytes received so far, every part counted once. */
  received: number;
  total?: number;
  file: string;
  kind?: AudioKind;
  transcodeStartedAt?: number;
  /** Serialises the part writes and the completion of one media. */
  lock: Promise<unknown>;
}

export interface Part {
  index: number;
  start: number;
  end: number;
  md5: string;
}

export interface AiozStoreOptions {
  /** Where uploaded bytes are kept. */
  storageDir: string;
  /** How long a transcode takes. */
  jobDurationMs: number;
  /** The chance, 0 to 1, that a transcode ends failed. */
  failureRate: number;
}

export class AiozStore {
  private readonly media = new Map<string, Media>();
  private seq = 0;
  private readonly options: AiozStoreOptions;

  constructor(options: AiozStoreOptions) {
    this.options = options;
  }

  add(id: string, fields: Partial<Media> & Pick<Media, "title" | "qualities">): Media {
    const now = Date.now();
    const media: Media = {
      seq: this.seq++,
      id,
      description: "",
      metadata: [],
      tags: [],
      is_public: true,
      player_theme_id: "",
      status: "new",
      duration: 0,
      size: 0,
      createdAt: now,
      updatedAt: now,
      parts: [],
      received: 0,
      file: join(this.options.storageDir, `aioz-${id}.bin`),
      lock: Promise.resolve(),
      ...fields,
    };
    this.media.set(id, media);
    return media;
  }

  /** Every media, deleted ones included, each transcode that is due settled first. */
  all(): Media[] {
    for (const media of this.media.values()) {
      if (media.status === "transcoding") this.find(media.id);
    }
    return [...this.media.values()];
  }

  /** A media that exists and is not deleted; settles a transcode that is due. */
  find(id: string | undefined): Media {
    const media = this.media.get(id ?? "");
    if (!media || media.status === "deleted") throw new HttpError(404, "media not found");
    if (
      media.status === "transcoding" &&
      Date.now() - (media.transcodeStartedAt ?? 0) >= this.options.jobDurationMs
    ) {
      this.settle(media);
    }
    return media;
  }

  assertUploadable(media: Media): void {
    if (media.status === "deleted") throw new HttpError(404, "media not found");
    if (media.status !== "new") throw new HttpError(400, `upload already completed (status ${media.status})`);
  }

  /** Runs `task` after every earlier part write or completion of the same media. */
  serialize<T>(media: Media, task: () => Promise<T>): Promise<T> {
    const run = media.lock.then(task, task);
    media.lock = run.catch(() => {});
    return run;
  }

  /** See AiozEmulator.holdJobs. */
  holdJobs = false;

  /** The sandbox does not transcode: "done" serves the uploaded bytes as they are. */
  settle(media: Media): void {
    if (media.status !== "transcoding" || this.holdJobs) return;
    media.status = Math.random() < this.options.failureRate ? "fail" : "done";
    if (media.status === "done") media.size = media.received;
    media.duration = Math.round(media.duration * 1e6) / 1e6;
    media.updatedAt = Date.now();
  }
}

/**
 * Checks a part against the ones already received, as the live service assembles them: by `index` and
 * Content-Range, in whatever order they arrive (the Node client sends up to five at once, `src/index.ts`
 * `uploadVideo`). Returns the part it replaces (the same part sent again), if any.
 */
export function placePart(parts: readonly Part[], part: Part): Part | undefined {
  const same = parts.find((p) => p.index === part.index);
  if (same) {
    if (same.start !== part.start || same.end !== part.end) {
      throw new HttpError(
        400,
        `part ${part.index} was received as bytes ${same.start}-${same.end}, not ${part.start}-${part.end}`,
      );
    }
    if (same.md5 !== part.md5) {
      throw new HttpError(400, `part ${part.index} was received with another hash: the file changed`);
    }
    return same;
  }
  for (const other of parts) {
    if (part.start <= other.end && other.start <= part.end) {
      throw new HttpError(
        400,
        `part ${part.index} (bytes ${part.start}-${part.end}) overlaps part ${other.index} (bytes ${other.start}-${other.end})`,
      );
    }
    if (other.index < part.index !== other.start < part.start) {
      throw new HttpError(
        400,
        `part ${part.index} at byte ${part.start} is out of place: part ${other.index} starts at byte ${other.start}`,
      );
    }
  }
  return undefined;
}

/** Why the received parts are not yet the whole file (numbered 1..n, no byte missing), or undefined. */
export function missingParts(parts: readonly Part[], total: number | undefined): string | undefined {
  if (parts.length === 0 || total === undefined) return "no parts uploaded";
  const sorted = [...parts].sort((a, b) => a.start - b.start);
  let next = 0;
  for (const [i, part] of sorted.entries()) {
    if (part.index !== i + 1) return `part ${i + 1} is missing`;
    if (part.start > next) return `bytes ${next}-${part.start - 1} are missing`;
    next = part.end + 1;
  }
  return next < total ? `bytes ${next}-${total - 1} are missing` : undefined;
}
