import { createHash, randomBytes } from "node:crypto";
import {
  type EmulatorSetup,
  HttpEmulator,
  HttpError,
  type Reply,
  type RequestContext,
  type Route,
} from "./http.js";
import {
  flacFile,
  hlsPlaylist,
  patternMp4,
  patternSegment,
  patternSegments,
  playerPage,
  renderTones,
  silentMp3,
  type Tone,
  thumbnailSvg,
  wavFile,
} from "./media.js";
import type { VideoDBAsyncShape } from "./types.js";
import { asyncAnswer, postCallback } from "./videodb-async.js";
import { VideoDBWorkflows } from "./videodb-workflows.js";

export interface VideoDBSetup extends EmulatorSetup {
  apiKey: string;
  jobDurationMs: number;
  failureRate: number;
  legacyAudioUrl: boolean;
  asyncShape: VideoDBAsyncShape;
  asyncIds: boolean;
}

/** Fixed ids, so tests and examples can name the seeded assets without listing them first. */
export const VIDEODB_SEED = {
  collectionId: "default",
  videoIds: ["m-5a1f0c9e3b7d2468", "m-c3e8a61b4f0d9725"],
  audioIds: ["a-7d2e4b9f1c6a3058", "a-e09b5c3a7f1d8264"],
} as const;

interface Video {
  id: string;
  collection_id: string;
  name: string;
  /** Kept as given: VideoDB sometimes sends lengths as strings, and clients must cope. */
  length: number | string;
}

type Audio = Video;

interface Collection {
  name: string;
  description: string;
  createdAt: string;
  videos: Video[];
  audios: Audio[];
}

interface Stream {
  videoId: string;
  timeline: Array<[number, number]>;
}

interface Job {
  id: string;
  collectionId: string;
  prompt: string;
  duration: number;
  callbackUrl?: string;
  startedAt: number;
  polls: number;
  outcome?: { video: Video } | { error: string };
}

const STREAM_FORMATS = ["mp4", "webm", "hls"];
const AUDIO_FORMATS = ["mp3", "wav", "flac"];
const QUALITIES = ["low", "medium", "high"];
const AUDIO_SAMPLE_RATES: Record<string, number> = { low: 8000, medium: 16000, high: 44100 };

function newId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString("hex")}`;
}

function bodyObject(ctx: RequestContext): Record<string, unknown> {
  if (ctx.json === undefined) return {};
  if (typeof ctx.json !== "object" || ctx.json === null || Array.isArray(ctx.json)) {
    throw new HttpError(400, "request body must be a JSON object");
  }
  return ctx.json as Record<string, unknown>;
}

function optionalEnum(body: Record<string, unknown>, field: string, allowed: string[]): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new HttpError(400, `${field} must be one of ${allowed.join(", ")}`);
  }
  return value;
}

function parseTimeline(value: unknown, length: number): Array<[number, number]> {
  if (!Array.isArray(value) || value.length === 0) {
    throw new HttpError(400, "timeline must be a non-empty list of [start, end] pairs");
  }
  return value.map((pair, i) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !pair.every((n) => typeof n === "number" && Number.isFinite(n))
    ) {
      throw new HttpError(400, `timeline[${i}] must be a [start, end] pair of numbers`);
    }
    const [start, end] = pair as [number, number];
    if (start < 0) throw new HttpError(400, `timeline[${i}]: start must be >= 0`);
    if (start >= end) throw new HttpError(400, `timeline[${i}]: start must be less than end`);
    if (end > length)
      throw new HttpError(400, `timeline[${i}]: end ${end} is beyond the video length ${length}`);
    return [start, end];
  });
}

/**
 * `openapi.yaml` `components.schemas.Video` and `Audio` also have a size (and a video a description); the
 * sandbox keeps no file for its samples, so the size is what an encoding at `bitsPerSecond` would weigh.
 */
function sizeAt(item: Video | Audio, bitsPerSecond: number): number {
  return Math.round((Number(item.length) * bitsPerSecond) / 8);
}

/** One short beep a second: audible enough to tell a player works, quiet enough to leave running. */
function metronome(lengthSec: number): Tone[] {
  const tones: Tone[] = [];
  for (let at = 0; at < lengthSec; at += 1) {
    const beep = Math.min(0.2, lengthSec - at);
    tones.push({ durationSec: beep, frequencyHz: 660 });
    if (lengthSec - at > beep)
      tones.push({ durationSec: Math.min(0.8, lengthSec - at - beep), frequencyHz: 0 });
  }
  return tones;
}

export class VideoDBEmulator extends HttpEmulator {
  /** Answer `generate_url` with `data: {signed_url}` alone, without the `stream_url` the documents show beside it. */
  legacyAudioUrl: boolean;
  /** Shape of a finished async response: `data: <video>` or `response: {success, data: <video>}`. */
  asyncShape: VideoDBAsyncShape;
  /** Generation answers carry `data.id` beside `data.output_url` (the live service's, as the SDKs read it: only `output_url`). */
  asyncIds: boolean;
  /**
   * While set, generation jobs stay running past their duration, and the ones due settle at the first poll
   * after it is cleared: a test sees a running job however slow the machine is.
   */
  holdJobs = false;
  /** How long a job runs; a test may change it between jobs (a job started keeps the time it was given). */
  jobDurationMs: number;
  private readonly apiKey: string;
  private readonly failureRate: number;
  private readonly collections = new Map<string, Collection>();
  private readonly streams = new Map<string, Stream>();
  private readonly jobs = new Map<string, Job>();
  /** Upload, indexing, search, transcripts and generation (videodb-workflows.ts). */
  private readonly workflows = new VideoDBWorkflows({
    origin: () => this.origin,
    url: () => this.url,
    storageDir: this.storageDir,
    jobDurationMs: () => this.jobDurationMs,
    failureRate: () => this.failureRate,
    holdJobs: () => this.holdJobs,
    asyncShape: () => this.asyncShape,
    asyncIds: () => this.asyncIds,
    collection: (id) => this.collection(id),
    findVideo: (id) => this.findVideo(id),
    videoObject: (video) => this.videoObject(video),
    schedule: (delayMs, task) => this.schedule(delayMs, task),
  });

  constructor(setup: VideoDBSetup) {
    super(setup);
    this.apiKey = setup.apiKey;
    this.jobDurationMs = setup.jobDurationMs;
    this.failureRate = setup.failureRate;
    this.legacyAudioUrl = setup.legacyAudioUrl;
    this.asyncShape = setup.asyncShape;
    this.asyncIds = setup.asyncIds;
    const collection_id = VIDEODB_SEED.collectionId;
    const [video1 = "", video2 = ""] = VIDEODB_SEED.videoIds;
    const [audio1 = "", audio2 = ""] = VIDEODB_SEED.audioIds;
    this.collections.set(collection_id, {
      name: "Default Collection",
      description: "The mediagate sandbox's sample media",
      createdAt: new Date().toISOString(),
      videos: [
        { id: video1, collection_id, name: "Sandbox sample: city timelapse", length: "123.4" },
        { id: video2, collection_id, name: "Sandbox sample: product walkthrough", length: 48.5 },
      ],
      audios: [
        { id: audio1, collection_id, name: "Sandbox sample: podcast intro", length: 30.5 },
        { id: audio2, collection_id, name: "Sandbox sample: jingle", length: "12.0" },
      ],
    });
  }

  protected override errorBody(error: HttpError): unknown {
    return { success: false, message: error.message, ...(error.code ? { error_code: error.code } : {}) };
  }

  protected override authenticate(headers: Record<string, string>): HttpError | undefined {
    return headers["x-access-token"] === this.apiKey ? undefined : new HttpError(401, "Invalid API key");
  }

  /**
   * The API's routes end with a slash where video-db/videodb-python `openapi.yaml` lists one (`/video/`);
   * the SDKs send `video` and are redirected, as Flask does with strict slashes.
   */
  protected override redirectsToTrailingSlash(): boolean {
    return true;
  }

  protected override routes(): Route[] {
    const media = (path: string, handle: Route["handle"]): Route => ({
      method: "GET",
      path: `/sandbox/videodb${path}`,
      outsideBasePath: true,
      public: true,
      handle,
    });
    return [
      { method: "GET", path: "/collection/:collection_id", handle: (ctx) => this.getCollection(ctx) },
      { method: "GET", path: "/video/", handle: (ctx) => this.listVideos(ctx) },
      { method: "GET", path: "/audio/", handle: (ctx) => this.listAudios(ctx) },
      { method: "GET", path: "/video/:video_id", handle: (ctx) => this.getVideo(ctx) },
      { method: "GET", path: "/audio/:audio_id", handle: (ctx) => this.getAudio(ctx) },
      { method: "POST", path: "/video/:video_id/stream/", handle: (ctx) => this.generateStream(ctx) },
      { method: "POST", path: "/audio/:audio_id/generate_url", handle: (ctx) => this.generateAudioUrl(ctx) },
      {
        method: "POST",
        path: "/collection/:collection_id/generate/video/",
        handle: (ctx) => this.generateVideo(ctx),
      },
      { method: "GET", path: "/async-response/:job_id", handle: (ctx) => this.asyncResponse(ctx) },
      media("/stream/:video_id/:playlist", (ctx) => this.servePlaylist(ctx)),
      media("/stream/:video_id/:hash/:segment", (ctx) => this.serveSegment(ctx)),
      media("/player/:video_id/:hash", (ctx) => this.servePlayer(ctx)),
      media("/thumbnail/:file", (ctx) => this.serveThumbnail(ctx)),
      media("/audio/:audio_id/:file", (ctx) => this.serveAudio(ctx)),
      ...this.workflows.routes(),
    ];
  }

  private ok(data: unknown): Reply {
    return { json: { success: true, data } };
  }

  private collection(id: string | undefined): Collection {
    const collection = this.collections.get(id ?? VIDEODB_SEED.collectionId);
    if (!collection) throw new HttpError(404, `Collection ${id} not found`);
    return collection;
  }

  private findVideo(id: string | undefined): Video {
    for (const collection of this.collections.values()) {
      const video = collection.videos.find((v) => v.id === id);
      if (video) return video;
    }
    throw new HttpError(404, `Video ${id} not found`);
  }

  private findAudio(id: string | undefined): Audio {
    for (const collection of this.collections.values()) {
      const audio = collection.audios.find((a) => a.id === id);
      if (audio) return audio;
    }
    throw new HttpError(404, `Audio ${id} not found`);
  }

  /** Stream URLs name a hash of their timeline; remembering it is what lets the emulator serve them. */
  private streamUrls(
    video: Video,
    timeline: Array<[number, number]>,
  ): { stream_url: string; player_url: string } {
    const hash = createHash("sha256").update(JSON.stringify(timeline)).digest("hex").slice(0, 16);
    this.streams.set(`${video.id}/${hash}`, { videoId: video.id, timeline });
    const base = `${this.origin}/sandbox/videodb`;
    return {
      stream_url: `${base}/stream/${video.id}/${hash}.m3u8`,
      player_url: `${base}/player/${video.id}/${hash}`,
    };
  }

  private videoObject(video: Video): Record<string, unknown> {
    return {
      description: "",
      size: sizeAt(video, 1_000_000),
      ...video,
      ...this.streamUrls(video, [[0, Number(video.length)]]),
      thumbnail_url: `${this.origin}/sandbox/videodb/thumbnail/${video.id}.svg`,
    };
  }

  /**
   * The first request of both SDKs (video-db/videodb-python `videodb/client.py` `get_collection`,
   * video-db/videodb-node `src/core/connection.ts` `getCollection`), answered as `openapi.yaml`
   * `components.schemas.Collection`; the SDKs read id, name, description and is_public.
   */
  private getCollection(ctx: RequestContext): Reply {
    const id = ctx.params.collection_id ?? "";
    const collection = this.collections.get(id);
    if (!collection) throw new HttpError(404, `Collection ${id} not found`);
    return this.ok({
      id,
      name: collection.name,
      description: collection.description,
      is_public: false,
      owner: "u-sandbox",
      created_at: collection.createdAt,
    });
  }

  private listVideos(ctx: RequestContext): Reply {
    const collection = this.collection(ctx.query.collection_id);
    return this.ok({ videos: collection.videos.map((video) => this.videoObject(video)) });
  }

  private listAudios(ctx: RequestContext): Reply {
    const collection = this.collection(ctx.query.collection_id);
    return this.ok({ audios: collection.audios.map((audio) => this.audioObject(audio)) });
  }

  private audioObject(audio: Audio): Record<string, unknown> {
    return { size: sizeAt(audio, 128_000), ...audio };
  }

  /** `collection.getAudio(id)` in both SDKs, before `generate_url`; `openapi.yaml` `/audio/{audio_id}`. */
  private getAudio(ctx: RequestContext): Reply {
    const audio = this.findAudio(ctx.params.audio_id);
    if (ctx.query.collection_id !== undefined && ctx.query.collection_id !== audio.collection_id) {
      throw new HttpError(404, `Audio ${audio.id} not found in collection ${ctx.query.collection_id}`);
    }
    return this.ok(this.audioObject(audio));
  }

  private getVideo(ctx: RequestContext): Reply {
    const video = this.findVideo(ctx.params.video_id);
    if (ctx.query.collection_id !== undefined && ctx.query.collection_id !== video.collection_id) {
      throw new HttpError(404, `Video ${video.id} not found in collection ${ctx.query.collection_id}`);
    }
    return this.ok(this.videoObject(video));
  }

  private generateStream(ctx: RequestContext): Reply {
    const video = this.findVideo(ctx.params.video_id);
    const body = bodyObject(ctx);
    // The official clients always send the video's length (video-db/videodb-python `videodb/video.py`
    // `generate_stream`: `data={"timeline": timeline, "length": self.length}`).
    if (typeof body.length !== "number" || !Number.isFinite(body.length) || body.length <= 0) {
      throw new HttpError(400, "length is required: the video's length in seconds");
    }
    optionalEnum(body, "format", STREAM_FORMATS);
    optionalEnum(body, "quality", QUALITIES);
    const length = Number(video.length);
    const timeline =
      body.timeline === undefined || body.timeline === null
        ? ([[0, length]] as Array<[number, number]>)
        : parseTimeline(body.timeline, length);
    const urls = this.streamUrls(video, timeline);
    // A progressive file instead of a playlist: what a player falls back to when it cannot play HLS.
    return this.ok(
      body.format === "mp4" ? { ...urls, stream_url: urls.stream_url.replace(/\.m3u8$/, ".mp4") } : urls,
    );
  }

  private generateAudioUrl(ctx: RequestContext): Reply {
    const audio = this.findAudio(ctx.params.audio_id);
    // Both SDKs send the audio's collection as a query parameter (video-db/videodb-python
    // `videodb/audio.py` `generate_url`; video-db/videodb-node `src/core/audio.ts` `generateUrl`).
    const collectionId = ctx.query.collection_id;
    if (collectionId === undefined || collectionId === "") {
      throw new HttpError(400, "collection_id is required as a query parameter");
    }
    if (collectionId !== audio.collection_id) {
      throw new HttpError(404, `Audio ${audio.id} not found in collection ${collectionId}`);
    }
    const body = bodyObject(ctx);
    const format = optionalEnum(body, "format", AUDIO_FORMATS) ?? "mp3";
    const quality = optionalEnum(body, "quality", QUALITIES) ?? "high";
    const url = `${this.origin}/sandbox/videodb/audio/${audio.id}/${quality}.${format}`;
    // Both SDKs read data.signed_url (video-db/videodb-python `videodb/audio.py`, video-db/videodb-node
    // `src/core/audio.ts`); `openapi.yaml` and the seed document show data.stream_url.
    return this.ok(this.legacyAudioUrl ? { signed_url: url } : { signed_url: url, stream_url: url });
  }

  private generateVideo(ctx: RequestContext): Reply {
    const collectionId = ctx.params.collection_id ?? "";
    this.collection(collectionId);
    const body = bodyObject(ctx);
    const { prompt, duration = 5, callback_url } = body;
    if (typeof prompt !== "string" || prompt.trim() === "") {
      throw new HttpError(400, "prompt is required and must be a non-empty string");
    }
    if (typeof duration !== "number" || !Number.isInteger(duration) || duration < 5 || duration > 8) {
      throw new HttpError(400, "duration must be an integer between 5 and 8");
    }
    if (callback_url !== undefined && callback_url !== null) {
      if (
        typeof callback_url !== "string" ||
        !/^https?:\/\//i.test(callback_url) ||
        !URL.canParse(callback_url)
      ) {
        throw new HttpError(400, "callback_url must be an http(s) URL");
      }
    }
    const job: Job = {
      id: newId("job-"),
      collectionId,
      prompt,
      duration,
      startedAt: Date.now(),
      polls: 0,
      ...(typeof callback_url === "string" ? { callbackUrl: callback_url } : {}),
    };
    this.jobs.set(job.id, job);
    this.schedule(this.jobDurationMs, () => this.settle(job));
    const output_url = `${this.url}/async-response/${job.id}`;
    return {
      json: {
        success: true,
        status: "processing",
        // With a callback, the answer says so and the SDKs return at once (video-db/videodb-node
        // `src/utils/httpClient.ts` `#makeRequest`); without, they poll output_url.
        ...(job.callbackUrl ? { request_type: "async" } : {}),
        data: this.asyncIds ? { id: job.id, output_url } : { output_url },
      },
    };
  }

  /**
   * Idempotent; runs from the job's timer or from the first poll after it is due, whichever comes first
   * (while jobs are held, neither settles them).
   */
  private settle(job: Job): void {
    if (job.outcome || this.holdJobs) return;
    if (Math.random() < this.failureRate) {
      job.outcome = { error: "Video generation failed (sandbox failureRate)" };
    } else {
      const video: Video = {
        id: newId("m-"),
        collection_id: job.collectionId,
        name: job.prompt.slice(0, 80),
        length: job.duration,
      };
      this.collections.get(job.collectionId)?.videos.push(video);
      job.outcome = { video };
    }
    if (job.callbackUrl) postCallback(job.callbackUrl, this.jobAnswer(job));
  }

  private jobAnswer(job: Job): Record<string, unknown> {
    const outcome =
      job.outcome && ("error" in job.outcome ? job.outcome : { data: this.videoObject(job.outcome.video) });
    return asyncAnswer(job, outcome, this.jobDurationMs, this.asyncShape);
  }

  private asyncResponse(ctx: RequestContext): Reply {
    const workflow = this.workflows.asyncResponse(ctx.params.job_id ?? "");
    if (workflow) return workflow;
    const job = this.jobs.get(ctx.params.job_id ?? "");
    if (!job) throw new HttpError(404, `Job ${ctx.params.job_id} not found`);
    if (!job.outcome && Date.now() - job.startedAt >= this.jobDurationMs) this.settle(job);
    return { json: this.jobAnswer(job) };
  }

  private stream(videoId: string | undefined, hash: string | undefined): Stream {
    const stream = this.streams.get(`${videoId}/${hash}`);
    if (!stream) throw new HttpError(404, "Stream not found");
    return stream;
  }

  private servePlaylist(ctx: RequestContext): Reply {
    const [, hash, extension] = /^([0-9a-f]+)\.(m3u8|mp4)$/.exec(ctx.params.playlist ?? "") ?? [];
    const stream = this.stream(ctx.params.video_id, hash);
    const headers = { "access-control-allow-origin": "*" };
    if (extension === "mp4") return { body: patternMp4(), contentType: "video/mp4", headers };
    const base = `${this.origin}/sandbox/videodb/stream/${stream.videoId}/${hash}`;
    const segments = patternSegments(stream.timeline).map((durationSec, i) => ({
      url: `${base}/${i}.ts`,
      durationSec,
    }));
    return {
      body: hlsPlaylist(
        segments,
        "segments are a test pattern with a tone (H.264/AAC), timed like the requested timeline; not the video's pictures",
      ),
      contentType: "application/vnd.apple.mpegurl",
      headers,
    };
  }

  private serveSegment(ctx: RequestContext): Reply {
    const stream = this.stream(ctx.params.video_id, ctx.params.hash);
    const index = Number(/^(\d+)\.ts$/.exec(ctx.params.segment ?? "")?.[1] ?? Number.NaN);
    const durations = patternSegments(stream.timeline);
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
    const stream = this.stream(ctx.params.video_id, ctx.params.hash);
    const video = this.findVideo(stream.videoId);
    const src = `${this.origin}/sandbox/videodb/stream/${video.id}/${ctx.params.hash}.m3u8`;
    return {
      body: playerPage({
        title: video.name,
        kind: "video",
        src,
        mimeType: "application/vnd.apple.mpegurl",
        note: "this HLS stream is a test pattern with a tone, not the video's pictures. Browsers without native HLS need an HLS player.",
        links: { "HLS playlist": src },
      }),
      contentType: "text/html; charset=utf-8",
    };
  }

  private serveThumbnail(ctx: RequestContext): Reply {
    const id = /^(.+)\.svg$/.exec(ctx.params.file ?? "")?.[1];
    const video = this.findVideo(id);
    return { body: thumbnailSvg(video.name), contentType: "image/svg+xml" };
  }

  private serveAudio(ctx: RequestContext): Reply {
    const audio = this.findAudio(ctx.params.audio_id);
    const [, quality = "", format = ""] = /^(\w+)\.(\w+)$/.exec(ctx.params.file ?? "") ?? [];
    const sampleRate = AUDIO_SAMPLE_RATES[quality];
    if (!sampleRate || !AUDIO_FORMATS.includes(format)) throw new HttpError(404, "Audio file not found");
    const length = Number(audio.length);
    const headers = {
      "access-control-allow-origin": "*",
      "content-disposition": `inline; filename="${audio.id}.${format}"`,
    };
    if (format === "mp3") {
      return {
        body: silentMp3(length, { title: `${audio.name} (mediagate sandbox: silent)` }),
        contentType: "audio/mpeg",
        headers,
      };
    }
    const samples = renderTones(metronome(length), sampleRate);
    return format === "wav"
      ? { body: wavFile(samples, sampleRate), contentType: "audio/wav", headers }
      : { body: flacFile(samples, sampleRate), contentType: "audio/flac", headers };
  }
}
