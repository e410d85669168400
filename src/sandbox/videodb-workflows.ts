// The VideoDB emulator's routes for the workflows around the seeds: upload (a signed URL on this server,
// then the add-media request), delete, spoken-word indexing, search, compile, transcripts, and audio and
// image generation. Answers follow video-db/videodb-python (the SDK code where it and `openapi.yaml`
// differ); every URL handed out is served here with media that plays.

import { createHash, randomBytes } from "node:crypto";
import { rename } from "node:fs/promises";
import { join } from "node:path";
import { HttpError, type Reply, type RequestContext, type Route } from "./http.js";
import {
  hlsPlaylist,
  patternSegment,
  patternSegments,
  playerPage,
  textTones,
  tonesDuration,
} from "./media.js";
import type { VideoDBAsyncShape } from "./types.js";
import { type AsyncOutcome, asyncAnswer, postCallback } from "./videodb-async.js";
import { fileEnds, gradientPng, type MediaType, mp4DurationSec, sniffMedia } from "./videodb-media.js";
import {
  isPlaceholder,
  matchScore,
  type Sentence,
  sentencesOf,
  windowsOf,
  wordsOf,
} from "./videodb-scripts.js";

/** A video or audio as the emulator keeps it. */
export interface StoredMedia {
  id: string;
  collection_id: string;
  name: string;
  length: number | string;
}

/** What the workflows need of the VideoDB emulator that hosts them. */
export interface VideoDBHost {
  origin(): string;
  url(): string;
  storageDir: string | undefined;
  jobDurationMs(): number;
  failureRate(): number;
  holdJobs(): boolean;
  asyncShape(): VideoDBAsyncShape;
  asyncIds(): boolean;
  collection(id: string | undefined): { videos: StoredMedia[]; audios: StoredMedia[] };
  findVideo(id: string | undefined): StoredMedia;
  videoObject(video: StoredMedia): Record<string, unknown>;
  schedule(delayMs: number, task: () => void): void;
}

interface UploadedFile {
  path: string;
  size: number;
  filename: string;
  mimeType: string;
  mediaType: MediaType | undefined;
  lengthSec: number | undefined;
}

interface Image {
  id: string;
  collection_id: string;
  name: string;
  url: string;
  width?: number;
  height?: number;
}

interface WorkflowJob {
  id: string;
  startedAt: number;
  polls: number;
  callbackUrl?: string;
  /** Makes the job's outcome when it settles: the data of its answer, or throws to fail it. */
  finish: () => unknown;
  outcome?: AsyncOutcome;
}

const SIZES: Record<string, [number, number]> = {
  "1:1": [256, 256],
  "9:16": [144, 256],
  "16:9": [256, 144],
  "4:3": [256, 192],
  "3:4": [192, 256],
};
const SEGMENTERS = ["word", "sentence", "time"];
const AUDIO_TYPES = ["voice", "music", "sound_effect"];
/** Uploads may be large (a benchmark sends 1 GiB); they go to disk as they arrive. */
const MAX_UPLOAD_BYTES = 8 * 1024 ** 3;
/** An upload whose length the sandbox cannot read from the file is taken to be this long. */
const UNKNOWN_LENGTH_SEC = 30;

function newId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString("hex")}`;
}

function body(ctx: RequestContext): Record<string, unknown> {
  if (ctx.json === undefined) return {};
  if (typeof ctx.json !== "object" || ctx.json === null || Array.isArray(ctx.json)) {
    throw new HttpError(400, "request body must be a JSON object");
  }
  return ctx.json as Record<string, unknown>;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") throw new HttpError(400, `${field} is required`);
  return value;
}

function optionalUrl(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !/^https?:\/\//i.test(value) || !URL.canParse(value)) {
    throw new HttpError(400, `${field} must be an http(s) URL`);
  }
  return value;
}

function number(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new HttpError(400, `${field} must be a number from ${min} to ${max}`);
  }
  return value;
}

export class VideoDBWorkflows {
  private readonly uploads = new Map<string, UploadedFile>();
  private readonly images = new Map<string, Image>();
  private readonly indexed = new Set<string>();
  private readonly transcribed = new Set<string>();
  private readonly compiled = new Map<string, Array<{ videoId: string; range: [number, number] }>>();
  private readonly jobs = new Map<string, WorkflowJob>();

  constructor(private readonly host: VideoDBHost) {}

  routes(): Route[] {
    const media = (method: string, path: string, handle: Route["handle"], extra: Partial<Route> = {}) => ({
      method,
      path: `/sandbox/videodb${path}`,
      outsideBasePath: true,
      public: true,
      handle,
      ...extra,
    });
    return [
      {
        method: "GET",
        path: "/collection/:collection_id/upload_url",
        handle: (ctx) => this.uploadUrl(ctx),
      },
      media("POST", "/upload/:token", (ctx) => this.receiveUpload(ctx), {
        upload: true,
        maxBodyBytes: MAX_UPLOAD_BYTES,
      }),
      media("GET", "/upload/:token", (ctx) => this.serveUpload(ctx)),
      { method: "POST", path: "/collection/:collection_id/upload", handle: (ctx) => this.addMedia(ctx) },
      { method: "DELETE", path: "/video/:video_id", handle: (ctx) => this.deleteVideo(ctx) },
      { method: "POST", path: "/video/:video_id/index/", handle: (ctx) => this.index(ctx) },
      { method: "POST", path: "/video/:video_id/search/", handle: (ctx) => this.searchVideo(ctx) },
      {
        method: "POST",
        path: "/collection/:collection_id/search/",
        handle: (ctx) => this.searchCollection(ctx),
      },
      { method: "POST", path: "/compile/", handle: (ctx) => this.compile(ctx) },
      media("GET", "/compiled/:playlist", (ctx) => this.servePlaylist(ctx)),
      media("GET", "/compiled/:hash/:segment", (ctx) => this.serveSegment(ctx)),
      media("GET", "/compiled-player/:hash", (ctx) => this.servePlayer(ctx)),
      { method: "GET", path: "/video/:video_id/transcription/", handle: (ctx) => this.transcript(ctx) },
      {
        method: "POST",
        path: "/collection/:collection_id/generate/audio/",
        handle: (ctx) => this.generateAudio(ctx),
      },
      {
        method: "POST",
        path: "/collection/:collection_id/generate/image/",
        handle: (ctx) => this.generateImage(ctx),
      },
      { method: "GET", path: "/image/:image_id", handle: (ctx) => this.getImage(ctx) },
      media("GET", "/image/:file", (ctx) => this.serveImage(ctx)),
    ];
  }

  // ——— jobs ———

  private startJob(finish: () => unknown, callbackUrl: string | undefined): Reply {
    const job: WorkflowJob = {
      id: newId("job-"),
      startedAt: Date.now(),
      polls: 0,
      finish,
      ...(callbackUrl ? { callbackUrl } : {}),
    };
    this.jobs.set(job.id, job);
    this.host.schedule(this.host.jobDurationMs(), () => this.settle(job));
    const output_url = `${this.host.url()}/async-response/${job.id}`;
    return {
      json: {
        success: true,
        status: "processing",
        ...(callbackUrl ? { request_type: "async" } : {}),
        data: this.host.asyncIds() ? { id: job.id, output_url } : { output_url },
      },
    };
  }

  private settle(job: WorkflowJob): void {
    if (job.outcome || this.host.holdJobs()) return;
    if (Math.random() < this.host.failureRate()) {
      job.outcome = { error: "The job failed (sandbox failureRate)" };
    } else {
      try {
        job.outcome = { data: job.finish() };
      } catch (error) {
        job.outcome = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    if (job.callbackUrl) postCallback(job.callbackUrl, this.jobAnswer(job));
  }

  private jobAnswer(job: WorkflowJob): Record<string, unknown> {
    return asyncAnswer(job, job.outcome, this.host.jobDurationMs(), this.host.asyncShape());
  }

  /** The async response of one of these jobs, or undefined when the id is another's (video generation). */
  asyncResponse(jobId: string): Reply | undefined {
    const job = this.jobs.get(jobId);
    if (!job) return undefined;
    if (!job.outcome && Date.now() - job.startedAt >= this.host.jobDurationMs()) this.settle(job);
    return { json: this.jobAnswer(job) };
  }

  // ——— upload ———

  private uploadUrl(ctx: RequestContext): Reply {
    this.host.collection(ctx.params.collection_id);
    const token = `${randomBytes(16).toString("hex")}`;
    // A signed URL on another origin, in the live service; here a path outside the API that needs no key.
    return {
      json: { success: true, data: { upload_url: `${this.host.origin()}/sandbox/videodb/upload/${token}` } },
    };
  }

  private async receiveUpload(ctx: RequestContext): Promise<Reply> {
    const token = ctx.params.token ?? "";
    if (ctx.headers["x-access-token"] !== undefined) {
      // The signed URL is not the API: a client that sends its key here leaks it to storage.
      throw new HttpError(400, "the upload URL takes no x-access-token");
    }
    const file = ctx.multipart?.file;
    if (!file?.tempPath) throw new HttpError(400, "multipart field file is required");
    if (!this.host.storageDir) throw new HttpError(500, "the sandbox has no storage for uploads");
    const path = join(this.host.storageDir, `videodb-upload-${token}`);
    await rename(file.tempPath, path);
    const { head, tail } = await fileEnds(path, file.size);
    const sniffed = sniffMedia(head);
    this.uploads.set(token, {
      path,
      size: file.size,
      filename: file.filename ?? "upload",
      mimeType: sniffed?.mimeType ?? file.contentType ?? "application/octet-stream",
      mediaType: sniffed?.mediaType,
      lengthSec:
        sniffed?.mimeType === "video/mp4" ? (mp4DurationSec(head) ?? mp4DurationSec(tail)) : undefined,
    });
    return { status: 204, body: "" };
  }

  private serveUpload(ctx: RequestContext): Reply {
    const upload = this.uploads.get(ctx.params.token ?? "");
    if (!upload) throw new HttpError(404, "no file was uploaded to this URL");
    return {
      file: upload.path,
      contentType: upload.mimeType,
      headers: { "access-control-allow-origin": "*" },
    };
  }

  private addMedia(ctx: RequestContext): Reply {
    const collectionId = ctx.params.collection_id ?? "";
    const collection = this.host.collection(collectionId);
    const request = body(ctx);
    const url = optionalUrl(text(request.url, "url"), "url") as string;
    const mediaType = request.media_type;
    if (
      mediaType !== undefined &&
      mediaType !== null &&
      !["video", "audio", "image"].includes(String(mediaType))
    ) {
      throw new HttpError(400, "media_type must be one of video, audio, image");
    }
    const token = /\/sandbox\/videodb\/upload\/([0-9a-f]+)$/.exec(new URL(url).pathname)?.[1];
    const upload = token === undefined ? undefined : this.uploads.get(token);
    if (token !== undefined && !upload) throw new HttpError(400, "nothing was uploaded to this upload URL");
    const fromUrl = decodeURIComponent(new URL(url).pathname.split("/").at(-1) ?? "") || "upload";
    const name =
      typeof request.name === "string" && request.name !== "" ? request.name : (upload?.filename ?? fromUrl);
    const type = (mediaType as MediaType | undefined) ?? upload?.mediaType ?? "video";
    const length = Math.round((upload?.lengthSec ?? UNKNOWN_LENGTH_SEC) * 100) / 100;
    return this.startJob(
      () => {
        if (type === "image") {
          const id = newId("img-");
          // An uploaded file is served back where it was sent; a URL's image is not fetched, so a
          // placeholder PNG stands in for it (the sandbox hands out only URLs it serves).
          const image: Image = upload
            ? { id, collection_id: collectionId, name, url }
            : {
                id,
                collection_id: collectionId,
                name,
                url: `${this.host.origin()}/sandbox/videodb/image/${id}.png`,
                width: 256,
                height: 256,
              };
          this.images.set(id, image);
          return { ...image };
        }
        const media: StoredMedia = {
          id: newId(type === "video" ? "m-" : "a-"),
          collection_id: collectionId,
          name,
          length,
        };
        if (type === "audio") {
          collection.audios.push(media);
          return { ...media };
        }
        collection.videos.push(media);
        return this.host.videoObject(media);
      },
      optionalUrl(request.callback_url, "callback_url"),
    );
  }

  private deleteVideo(ctx: RequestContext): Reply {
    const video = this.host.findVideo(ctx.params.video_id);
    const videos = this.host.collection(video.collection_id).videos;
    videos.splice(videos.indexOf(video), 1);
    this.indexed.delete(video.id);
    this.transcribed.delete(video.id);
    return { json: { success: true, message: "Video deleted successfully" } };
  }

  // ——— spoken words ———

  private sentences(video: StoredMedia): Sentence[] {
    return sentencesOf(video.id, Number(video.length));
  }

  private index(ctx: RequestContext): Reply {
    const video = this.host.findVideo(ctx.params.video_id);
    const request = body(ctx);
    if (request.index_type !== "spoken_word") {
      throw new HttpError(400, "index_type must be spoken_word (the sandbox indexes spoken words only)");
    }
    const segmentation = request.segmentation_type;
    if (
      segmentation !== undefined &&
      segmentation !== null &&
      !["sentence", "llm"].includes(String(segmentation))
    ) {
      throw new HttpError(400, "segmentation_type must be one of sentence, llm");
    }
    if (request.force !== undefined && request.force !== null && typeof request.force !== "boolean") {
      throw new HttpError(400, "force must be a boolean");
    }
    if (this.indexed.has(video.id) && request.force !== true) {
      throw new HttpError(400, `Video ${video.id} is already indexed; pass force: true to index it again`);
    }
    return this.startJob(
      () => {
        this.host.findVideo(video.id);
        this.indexed.add(video.id);
        this.transcribed.add(video.id);
        return { success: true, message: "Spoken words indexed" };
      },
      optionalUrl(request.callback_url, "callback_url"),
    );
  }

  private searchRequest(ctx: RequestContext) {
    const request = body(ctx);
    const query = text(request.query, "query");
    const searchType = request.search_type ?? "semantic";
    if (searchType !== "semantic" && searchType !== "keyword") {
      throw new HttpError(400, "search_type must be one of semantic, keyword");
    }
    if ((request.index_type ?? "spoken_word") !== "spoken_word") {
      throw new HttpError(400, "index_type must be spoken_word (the sandbox indexes spoken words only)");
    }
    return {
      query,
      keyword: searchType === "keyword",
      resultThreshold: number(request.result_threshold, "result_threshold", 1, 1000, 5),
      scoreThreshold: number(request.score_threshold, "score_threshold", 0, 1, 0.2),
    };
  }

  /** Results as the SDK reads them (`videodb/search.py` `_format_results`): per video, its matching docs. */
  private searchIn(videos: StoredMedia[], search: ReturnType<VideoDBWorkflows["searchRequest"]>): Reply {
    const hits = videos.flatMap((video) =>
      this.sentences(video)
        .map((sentence) => ({
          video,
          sentence,
          score: matchScore(search.query, sentence.text, search.keyword),
        }))
        .filter((hit) => hit.score > 0 && hit.score >= search.scoreThreshold),
    );
    hits.sort((a, b) => b.score - a.score || a.sentence.start - b.sentence.start);
    const kept = hits.slice(0, search.resultThreshold);
    const results: Array<Record<string, unknown>> = [];
    for (const hit of kept) {
      let result = results.find((entry) => entry.video_id === hit.video.id);
      if (!result) {
        result = {
          video_id: hit.video.id,
          collection_id: hit.video.collection_id,
          length: Number(hit.video.length),
          title: hit.video.name,
          docs: [],
        };
        results.push(result);
      }
      (result.docs as unknown[]).push({ ...hit.sentence, score: hit.score });
    }
    return { json: { success: true, data: { results } } };
  }

  private searchVideo(ctx: RequestContext): Reply {
    const video = this.host.findVideo(ctx.params.video_id);
    const search = this.searchRequest(ctx);
    if (!this.indexed.has(video.id)) {
      throw new HttpError(400, `Spoken word index not found for video ${video.id}: index it first`);
    }
    return this.searchIn([video], search);
  }

  private searchCollection(ctx: RequestContext): Reply {
    const collectionId = ctx.params.collection_id ?? "";
    const collection = this.host.collection(collectionId);
    const search = this.searchRequest(ctx);
    if (search.keyword) throw new HttpError(400, "keyword search is available inside one video only");
    const videos = collection.videos.filter((video) => this.indexed.has(video.id));
    if (videos.length === 0) {
      throw new HttpError(
        400,
        `No video of collection ${collectionId} has a spoken word index: index one first`,
      );
    }
    return this.searchIn(videos, search);
  }

  /** `POST /compile/` as the SDK sends it: `[{video_id, collection_id, shots: [[start, end], …]}]`. */
  private compile(ctx: RequestContext): Reply {
    const entries = ctx.json;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new HttpError(400, "the body must be a non-empty list of {video_id, collection_id, shots}");
    }
    const pieces: Array<{ videoId: string; range: [number, number] }> = [];
    entries.forEach((entry, i) => {
      const record = (entry ?? {}) as Record<string, unknown>;
      const video = this.host.findVideo(typeof record.video_id === "string" ? record.video_id : undefined);
      const length = Number(video.length);
      if (!Array.isArray(record.shots) || record.shots.length === 0) {
        throw new HttpError(400, `[${i}].shots must be a non-empty list of [start, end]`);
      }
      for (const shot of record.shots) {
        const [start, end] = Array.isArray(shot) ? shot : [];
        if (
          typeof start !== "number" ||
          typeof end !== "number" ||
          start < 0 ||
          start >= end ||
          end > length + 0.01
        ) {
          throw new HttpError(400, `[${i}].shots: each must be [start, end] inside the video's ${length} s`);
        }
        pieces.push({ videoId: video.id, range: [start, end] });
      }
    });
    const hash = createHash("sha256").update(JSON.stringify(pieces)).digest("hex").slice(0, 16);
    this.compiled.set(hash, pieces);
    const base = `${this.host.origin()}/sandbox/videodb`;
    return {
      json: {
        success: true,
        data: { stream_url: `${base}/compiled/${hash}.m3u8`, player_url: `${base}/compiled-player/${hash}` },
      },
    };
  }

  private pieces(hash: string | undefined) {
    const pieces = this.compiled.get(hash ?? "");
    if (!pieces) throw new HttpError(404, "Stream not found");
    return pieces;
  }

  private servePlaylist(ctx: RequestContext): Reply {
    const hash = /^([0-9a-f]+)\.m3u8$/.exec(ctx.params.playlist ?? "")?.[1];
    const pieces = this.pieces(hash);
    const base = `${this.host.origin()}/sandbox/videodb/compiled/${hash}`;
    const segments = patternSegments(pieces.map((piece) => piece.range)).map((durationSec, i) => ({
      url: `${base}/${i}.ts`,
      durationSec,
    }));
    return {
      body: hlsPlaylist(
        segments,
        "the search's shots, compiled; segments are a test pattern with a tone, timed like the shots, not the videos' pictures",
      ),
      contentType: "application/vnd.apple.mpegurl",
      headers: { "access-control-allow-origin": "*" },
    };
  }

  private serveSegment(ctx: RequestContext): Reply {
    const pieces = this.pieces(ctx.params.hash);
    const index = Number(/^(\d+)\.ts$/.exec(ctx.params.segment ?? "")?.[1] ?? Number.NaN);
    const durations = patternSegments(pieces.map((piece) => piece.range));
    const duration = durations[index];
    if (duration === undefined) throw new HttpError(404, "Segment not found");
    const offset = durations.slice(0, index).reduce((sum, d) => sum + d, 0);
    return {
      body: patternSegment(duration, offset),
      contentType: "video/mp2t",
      headers: { "access-control-allow-origin": "*" },
    };
  }

  private servePlayer(ctx: RequestContext): Reply {
    this.pieces(ctx.params.hash);
    const src = `${this.host.origin()}/sandbox/videodb/compiled/${ctx.params.hash}.m3u8`;
    return {
      body: playerPage({
        title: "Compiled search results",
        kind: "video",
        src,
        mimeType: "application/vnd.apple.mpegurl",
        note: "this HLS stream is a test pattern with a tone, timed like the shots found, not the videos' pictures.",
        links: { "HLS playlist": src },
      }),
      contentType: "text/html; charset=utf-8",
    };
  }

  private transcript(ctx: RequestContext): Reply {
    const video = this.host.findVideo(ctx.params.video_id);
    const segmenter = ctx.query.segmenter ?? "word";
    if (!SEGMENTERS.includes(segmenter))
      throw new HttpError(400, "segmenter must be one of word, sentence, time");
    const read = (name: string) => {
      const value = ctx.query[name];
      if (value === undefined || value === "") return undefined;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed < 0)
        throw new HttpError(400, `${name} must be a non-negative number`);
      return parsed;
    };
    const start = read("start") ?? 0;
    const end = read("end");
    const windowSec = read("length") ?? 1;
    if (end !== undefined && end <= start) throw new HttpError(400, "start must be less than end");
    const build = () => {
      const length = Number(video.length);
      const sentences = this.sentences(video);
      const all =
        segmenter === "sentence"
          ? sentences
          : segmenter === "word"
            ? wordsOf(sentences)
            : windowsOf(sentences, Math.max(1, windowSec), length);
      const segments = all.filter(
        (segment) => segment.end > start && (end === undefined || segment.start < end),
      );
      const note = isPlaceholder(video.id)
        ? " (mediagate sandbox placeholder: uploads are not transcribed)"
        : "";
      return { word_timestamps: segments, text: `${segments.map((s) => s.text).join(" ")}${note}` };
    };
    if (this.transcribed.has(video.id)) return { json: { success: true, data: build() } };
    // Not transcribed yet: the request starts the transcription, and the answer is its job.
    return this.startJob(() => {
      this.transcribed.add(video.id);
      return build();
    }, undefined);
  }

  // ——— generation ———

  private generateAudio(ctx: RequestContext): Reply {
    const collectionId = ctx.params.collection_id ?? "";
    const collection = this.host.collection(collectionId);
    const request = body(ctx);
    const type = request.audio_type;
    if (typeof type !== "string" || !AUDIO_TYPES.includes(type)) {
      throw new HttpError(400, `audio_type must be one of ${AUDIO_TYPES.join(", ")}`);
    }
    let name: string;
    let length: number;
    if (type === "voice") {
      name = text(request.text, "text");
      if (request.voice_name !== undefined && typeof request.voice_name !== "string") {
        throw new HttpError(400, "voice_name must be a string");
      }
      length = Math.round(tonesDuration(textTones(name), 1000) * 100) / 100;
    } else {
      name = text(request.prompt, "prompt");
      length = number(request.duration, "duration", 1, type === "music" ? 300 : 30, type === "music" ? 5 : 2);
    }
    return this.startJob(
      () => {
        const audio: StoredMedia = {
          id: newId("a-"),
          collection_id: collectionId,
          name: `${type}: ${name.slice(0, 60)}`,
          length,
        };
        collection.audios.push(audio);
        return { ...audio };
      },
      optionalUrl(request.callback_url, "callback_url"),
    );
  }

  private generateImage(ctx: RequestContext): Reply {
    const collectionId = ctx.params.collection_id ?? "";
    this.host.collection(collectionId);
    const request = body(ctx);
    const prompt = text(request.prompt, "prompt");
    const ratio = request.aspect_ratio ?? "1:1";
    const size = typeof ratio === "string" ? SIZES[ratio] : undefined;
    if (!size) throw new HttpError(400, `aspect_ratio must be one of ${Object.keys(SIZES).join(", ")}`);
    return this.startJob(
      () => {
        const id = newId("img-");
        const image: Image = {
          id,
          collection_id: collectionId,
          name: prompt.slice(0, 80),
          url: `${this.host.origin()}/sandbox/videodb/image/${id}.png`,
          width: size[0],
          height: size[1],
        };
        this.images.set(id, image);
        return { ...image };
      },
      optionalUrl(request.callback_url, "callback_url"),
    );
  }

  private getImage(ctx: RequestContext): Reply {
    const image = this.images.get(ctx.params.image_id ?? "");
    if (!image) throw new HttpError(404, `Image ${ctx.params.image_id} not found`);
    return { json: { success: true, data: { ...image } } };
  }

  private serveImage(ctx: RequestContext): Reply {
    const id = /^(img-[0-9a-f]+)\.png$/.exec(ctx.params.file ?? "")?.[1];
    const image = this.images.get(id ?? "");
    if (!image?.width || !image.height) throw new HttpError(404, "Image not found");
    return {
      body: gradientPng(image.width, image.height, image.name),
      contentType: "image/png",
      headers: { "access-control-allow-origin": "*" },
    };
  }
}
