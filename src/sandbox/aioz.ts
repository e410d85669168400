// The AIOZ Stream emulator's routes: each request checked (aioz-validation.ts) and applied to the media
// (aioz-store.ts), answered in AIOZ's envelope.

import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rename, unlink, writeFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { AiozStore, type Media, missingParts, placePart } from "./aioz-store.js";
import {
  integerIn,
  limitedString,
  listOf,
  MAX_DESCRIPTION,
  MAX_TITLE,
  object,
  oneOf,
  optionalBoolean,
  optionalString,
  parseMetadata,
  parseQualities,
  parseTags,
  RESOLUTIONS,
  SORT_FIELDS,
  STATUSES,
} from "./aioz-validation.js";
import {
  type EmulatorSetup,
  HttpEmulator,
  HttpError,
  type Reply,
  type RequestContext,
  type Route,
} from "./http.js";
import {
  type AudioKind,
  dashManifest,
  hlsPlaylist,
  playerPage,
  renderTones,
  sniffAudio,
  textTones,
  thumbnailSvg,
  wavDurationSec,
  wavFile,
} from "./media.js";

export interface AiozSetup extends EmulatorSetup {
  storageDir: string;
  token: string;
  publicKey: string;
  secretKey: string;
  jobDurationMs: number;
  failureRate: number;
}

/** A finished audio present from the start, so list and get work before anything is uploaded. */
export const AIOZ_SEED = { audioId: "4f6b2c1e-9d3a-4e7b-8c5f-0a1b2c3d4e5f" } as const;

const PRICE_PER_QUALITY_MINUTE_USD = 0.0025;
const RATE_LIMIT = 1000;
const RATE_WINDOW_MS = 60_000;
/** The key pairs a request presents: from `Authorization: Basic`, and from the two key headers when set. */
function presentedKeyPairs(headers: Record<string, string>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? "")?.[1];
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    pairs.push(colon < 0 ? [decoded, ""] : [decoded.slice(0, colon), decoded.slice(colon + 1)]);
  }
  // The Node client sends both headers empty beside a bearer token: an empty header presents nothing.
  const publicKey = headers["stream-public-key"];
  const secretKey = headers["stream-secret-key"];
  if (publicKey || secretKey) pairs.push([publicKey ?? "", secretKey ?? ""]);
  return pairs;
}

/** Writes a part's bytes at its offset; the first bytes of a media become its file without a copy. */
async function writePart(media: Media, tempPath: string, start: number): Promise<void> {
  if (media.parts.length === 0 && start === 0) {
    await rename(tempPath, media.file);
    return;
  }
  // Parts arrive in any order: a later part may create the file, leaving a hole an earlier part fills.
  if (media.parts.length === 0) await writeFile(media.file, "");
  await pipeline(createReadStream(tempPath), createWriteStream(media.file, { flags: "r+", start }));
}

/** Used to estimate a duration for formats whose header the sandbox does not read. */
const ASSUMED_BITRATE = 128_000;

export class AiozEmulator extends HttpEmulator {
  private readonly setup: AiozSetup;
  private readonly store: AiozStore;
  private windowStart = 0;
  private windowCount = 0;

  constructor(setup: AiozSetup) {
    super(setup);
    this.setup = setup;
    this.store = new AiozStore(setup);
  }

  /**
   * While set, transcodes stay running past their duration, and the ones due settle at the first read
   * after it is cleared: a test sees a running transcode however slow the machine is.
   */
  get holdJobs(): boolean {
    return this.store.holdJobs;
  }
  set holdJobs(hold: boolean) {
    this.store.holdJobs = hold;
  }

  override async listen(): Promise<this> {
    await this.seed();
    return super.listen();
  }

  protected override errorBody(error: HttpError): unknown {
    return { status: "error", message: error.message };
  }

  /**
   * A bearer token, or the key pair in any of the forms the official clients send it: go-client `client.go`
   * sends only `Authorization: Basic base64(public:secret)`; the Node client (`src/HttpClient.ts`) sends
   * Basic plus the `stream-public-key` / `stream-secret-key` headers. Every pair presented must match.
   */
  protected override authenticate(headers: Record<string, string>): HttpError | undefined {
    const authorization = headers.authorization ?? "";
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
    if (bearer === this.setup.token) return undefined;
    const pairs = presentedKeyPairs(headers);
    if (pairs.length > 0) {
      return pairs.every(([pub, secret]) => pub === this.setup.publicKey && secret === this.setup.secretKey)
        ? undefined
        : new HttpError(403, "Forbidden: invalid stream-public-key or stream-secret-key");
    }
    return new HttpError(401, authorization ? "Unauthorized: invalid or expired token" : "Unauthorized");
  }

  /** Reported on every answer like the real service; not enforced (inject a 429 fault to test throttling). */
  protected override responseHeaders(): Record<string, string> {
    const now = Date.now();
    if (now - this.windowStart >= RATE_WINDOW_MS) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount += 1;
    return {
      "x-ratelimit-limit": String(RATE_LIMIT),
      "x-ratelimit-remaining": String(Math.max(0, RATE_LIMIT - this.windowCount)),
    };
  }

  protected override routes(): Route[] {
    const asset = (path: string, handle: Route["handle"]): Route => ({
      method: "GET",
      path,
      public: true,
      handle,
    });
    return [
      { method: "POST", path: "/media/create", handle: (ctx) => this.create(ctx) },
      { method: "POST", path: "/media", handle: (ctx) => this.list(ctx) },
      { method: "GET", path: "/media/cost", handle: (ctx) => this.cost(ctx) },
      { method: "GET", path: "/media/:id", handle: (ctx) => this.get(ctx) },
      { method: "PATCH", path: "/media/:id", handle: (ctx) => this.update(ctx) },
      { method: "DELETE", path: "/media/:id", handle: (ctx) => this.remove(ctx) },
      { method: "POST", path: "/media/:id/part", upload: true, handle: (ctx) => this.uploadPart(ctx) },
      { method: "GET", path: "/media/:id/complete", handle: (ctx) => this.complete(ctx) },
      asset("/media/:id/source", (ctx) => this.serveSource(ctx)),
      asset("/media/:id/thumbnail", (ctx) => this.serveThumbnail(ctx)),
      asset("/media/:id/m3u8", (ctx) => this.servePlaylist(ctx)),
      asset("/media/:id/hls/:segment", (ctx) => this.serveSegment(ctx)),
      asset("/media/:id/manifest", (ctx) => this.serveManifest(ctx)),
      { ...asset("/sandbox/aioz/vod/:kind/:id", (ctx) => this.servePlayer(ctx)), outsideBasePath: true },
    ];
  }

  private async seed(): Promise<void> {
    const sampleRate = 16000;
    const tones = textTones("Welcome to the mediagate sandbox. This sample is a tone pattern, not speech.");
    const bytes = wavFile(renderTones(tones, sampleRate), sampleRate);
    const media = this.store.add(AIOZ_SEED.audioId, {
      title: "Sandbox sample: welcome",
      description: "A finished audio the mediagate sandbox starts with.",
      tags: ["sandbox", "sample"],
      qualities: parseQualities(undefined),
    });
    await writeFile(media.file, bytes);
    Object.assign(media, {
      status: "done",
      parts: [
        { index: 1, start: 0, end: bytes.length - 1, md5: createHash("md5").update(bytes).digest("hex") },
      ],
      received: bytes.length,
      total: bytes.length,
      size: bytes.length,
      kind: sniffAudio(bytes),
      duration: wavDurationSec(bytes) ?? 0,
    });
  }

  private toJson(media: Media): Record<string, unknown> {
    const base = `${this.url}/media/${encodeURIComponent(media.id)}`;
    const player = (kind: string) =>
      `${this.origin}/sandbox/aioz/vod/${kind}/${encodeURIComponent(media.id)}`;
    const iframe = (src: string) =>
      `<iframe src="${src}" width="100%" height="100%" frameborder="0" scrolling="no" allowfullscreen="true"></iframe>`;
    const qualityStatus = media.status === "deleted" ? "done" : media.status;
    return {
      id: media.id,
      user_id: "sandbox-user",
      type: "audio",
      title: media.title,
      description: media.description,
      metadata: media.metadata.length > 0 ? media.metadata : null,
      tags: media.tags.length > 0 ? media.tags : null,
      // go-client `model_quality_object.go`; an audio quality has no video codec or bitrate.
      qualities: media.qualities.map((q) => ({
        name: q.name,
        status: qualityStatus,
        type: q.type,
        audio_codec: q.audio_config.codec,
        audio_bitrate: q.audio_config.bitrate,
      })),
      captions: null,
      chapters: null,
      player_theme: null,
      duration: media.duration,
      view: 0,
      size: media.size,
      is_mp4: false,
      is_public: media.is_public,
      status: media.status,
      created_at: new Date(media.createdAt).toISOString(),
      updated_at: new Date(media.updatedAt).toISOString(),
      assets: {
        source_url: `${base}/source`,
        thumbnail_url: `${base}/thumbnail?resolution=original`,
        hls_url: `${base}/m3u8`,
        hls_iframe: iframe(player("hls")),
        hls_player_url: player("hls"),
        dash_url: `${base}/manifest`,
        dash_iframe: iframe(player("dash")),
        dash_player_url: player("dash"),
      },
      player_theme_id: media.player_theme_id,
    };
  }

  private create(ctx: RequestContext): Reply {
    const body = object(ctx.json ?? {}, "request body");
    if (body.type !== "audio") throw new HttpError(400, "type is required and must be audio");
    const title = limitedString(body, "title", MAX_TITLE);
    if (!title?.trim()) throw new HttpError(400, "title is required");
    const media = this.store.add(randomUUID(), {
      title,
      description: limitedString(body, "description", MAX_DESCRIPTION) ?? "",
      is_public: optionalBoolean(body, "is_public") ?? true,
      metadata: parseMetadata(body.metadata) ?? [],
      tags: parseTags(body.tags) ?? [],
      qualities: parseQualities(body.qualities),
    });
    return { status: 201, json: { status: "success", data: this.toJson(media) } };
  }

  private list(ctx: RequestContext): Reply {
    const body = object(ctx.json ?? {}, "request body");
    const offset = integerIn(body.offset, "offset", 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = integerIn(body.limit, "limit", 1, 100, 25);
    const sortBy = oneOf(body.sort_by, "sort_by", SORT_FIELDS, "created_at") ?? "created_at";
    const orderBy = oneOf(body.order_by, "order_by", ["asc", "desc"], "asc");
    const type = oneOf(body.type, "type", ["audio", "video"]);
    // The filters in the official clients' form only (go-client `model_get_media_list_request.go`):
    // a lone status string or a metadata object is refused, as the real service's typed decoder does.
    const status = listOf(body.status, "status", STATUSES);
    const search = optionalString(body, "search")?.toLowerCase();
    const tags = parseTags(body.tags);
    const metadata = parseMetadata(body.metadata);

    const matches = this.store
      .all()
      .filter(
        (m) =>
          type !== "video" &&
          (status?.length ? status.includes(m.status) : m.status !== "deleted") &&
          (!search ||
            m.title.toLowerCase().includes(search) ||
            m.description.toLowerCase().includes(search)) &&
          (!tags || tags.every((tag) => m.tags.includes(tag))) &&
          (!metadata ||
            metadata.every((p) => m.metadata.some((q) => q.key === p.key && q.value === p.value))),
      );
    const key = (m: Media): string | number =>
      sortBy === "title"
        ? m.title
        : sortBy === "size"
          ? m.size
          : sortBy === "updated_at"
            ? m.updatedAt
            : m.createdAt;
    const direction = orderBy === "desc" ? -1 : 1;
    matches.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      const order = ka < kb ? -1 : ka > kb ? 1 : a.seq - b.seq;
      return order * direction;
    });
    return {
      json: {
        status: "success",
        // `media`, as both official clients read it (go-client `model_get_media_list_data.go`, Node client
        // `src/model/GetMediaListData.ts`); the seed document's older name is `videos`.
        data: {
          media: matches.slice(offset, offset + limit).map((m) => this.toJson(m)),
          total: matches.length,
        },
      },
    };
  }

  private cost(ctx: RequestContext): Reply {
    if (ctx.query.type !== "audio") throw new HttpError(400, "type is required and must be audio");
    const qualities = (ctx.query.qualities ?? "").split(",").map((q) => q.trim());
    if (qualities.length === 0 || qualities.some((q) => !RESOLUTIONS.includes(q))) {
      throw new HttpError(400, `qualities must be a comma-separated list of ${RESOLUTIONS.join(", ")}`);
    }
    const duration = Number(ctx.query.duration);
    if (!ctx.query.duration || !Number.isFinite(duration) || duration <= 0) {
      throw new HttpError(400, "duration must be a positive number of seconds");
    }
    const price = Math.round(PRICE_PER_QUALITY_MINUTE_USD * qualities.length * (duration / 60) * 1e6) / 1e6;
    return { json: { status: "success", data: { price, is_enough: true } } };
  }

  private get(ctx: RequestContext): Reply {
    return { json: { status: "success", data: this.toJson(this.store.find(ctx.params.id)) } };
  }

  private update(ctx: RequestContext): Reply {
    const media = this.store.find(ctx.params.id);
    const body = object(ctx.json ?? {}, "request body");
    // The official clients send the player as `player_id` (go-client `model_update_media_info_request.go`);
    // the document's `player_theme_id` is refused so a client sending it fails a test instead of passing.
    if (body.player_theme_id !== undefined) {
      throw new HttpError(400, "unknown field player_theme_id: the player is set with player_id");
    }
    const title = limitedString(body, "title", MAX_TITLE);
    if (title !== undefined && !title.trim()) throw new HttpError(400, "title must not be empty");
    const changes: Partial<Media> = {};
    if (title !== undefined) changes.title = title;
    const description = limitedString(body, "description", MAX_DESCRIPTION);
    if (description !== undefined) changes.description = description;
    const metadata = parseMetadata(body.metadata);
    if (metadata !== undefined) changes.metadata = metadata;
    const tags = parseTags(body.tags);
    if (tags !== undefined) changes.tags = tags;
    const isPublic = optionalBoolean(body, "is_public");
    if (isPublic !== undefined) changes.is_public = isPublic;
    const player = optionalString(body, "player_id");
    if (player !== undefined) changes.player_theme_id = player;
    Object.assign(media, changes, { updatedAt: Date.now() });
    return { json: { status: "success", message: "Update audio info successfully." } };
  }

  private async remove(ctx: RequestContext): Promise<Reply> {
    const media = this.store.find(ctx.params.id);
    media.status = "deleted";
    media.updatedAt = Date.now();
    await media.lock;
    await unlink(media.file).catch(() => {});
    return { json: { status: "success", message: "Audio deleted successfully." } };
  }

  private async uploadPart(ctx: RequestContext): Promise<Reply> {
    const media = this.store.find(ctx.params.id);
    const form = ctx.multipart;
    if (!form)
      throw new HttpError(400, "body must be multipart/form-data with the fields file, index and hash");
    const file = form.file;
    if (!file?.tempPath) throw new HttpError(400, "file is required");
    // Parts are numbered from 1, as the official clients send them (go-client `client.go`,
    // `WriteField("index", strconv.Itoa(part))` for part := 1..): a part numbered 0 is refused.
    const indexField = form.fields.index ?? "";
    if (!/^[1-9]\d*$/.test(indexField))
      throw new HttpError(400, "index is required and must be the part number, from 1 for the first part");
    const hash = (form.fields.hash ?? "").trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(hash))
      throw new HttpError(400, "hash is required and must be the MD5 hex digest of the part");
    const rangeHeader = ctx.headers["content-range"];
    if (!rangeHeader) throw new HttpError(400, "Content-Range header is required: bytes start-end/total");
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(rangeHeader.trim());
    if (!range)
      throw new HttpError(400, `invalid Content-Range "${rangeHeader}": expected bytes start-end/total`);
    const [start, end, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
    if (end < start || end >= total) throw new HttpError(400, `invalid Content-Range "${rangeHeader}"`);
    if (end - start + 1 !== file.size) {
      throw new HttpError(400, `Content-Range covers ${end - start + 1} bytes but the part has ${file.size}`);
    }
    if (file.md5 !== hash) throw new HttpError(400, "hash mismatch");
    const index = Number(indexField);
    const tempPath = file.tempPath;

    return this.store.serialize(media, async () => {
      this.store.assertUploadable(media);
      if (media.total !== undefined && media.total !== total) {
        throw new HttpError(400, `total size ${total} does not match earlier parts (${media.total})`);
      }
      const part = { index, start, end, md5: hash };
      const resent = placePart(media.parts, part);
      await writePart(media, tempPath, start);
      if (!resent) {
        media.parts.push(part);
        media.received += end - start + 1;
      }
      media.total = total;
      media.updatedAt = Date.now();
      return { json: { status: "success", message: "Upload part successfully." } };
    });
  }

  private complete(ctx: RequestContext): Promise<Reply> {
    const media = this.store.find(ctx.params.id);
    return this.store.serialize(media, async () => {
      this.store.assertUploadable(media);
      const missing = missingParts(media.parts, media.total);
      if (missing) {
        throw new HttpError(
          400,
          `upload is incomplete: ${missing} (received ${media.received} of ${media.total ?? 0} bytes)`,
        );
      }
      const head = Buffer.alloc(Math.min(4096, media.received));
      const handle = await open(media.file, "r");
      try {
        await handle.read(head, 0, head.length, 0);
      } finally {
        await handle.close();
      }
      media.kind = sniffAudio(head);
      media.duration = wavDurationSec(head) ?? (media.received * 8) / ASSUMED_BITRATE;
      media.status = "transcoding";
      media.transcodeStartedAt = Date.now();
      media.updatedAt = Date.now();
      this.schedule(this.setup.jobDurationMs, () => this.store.settle(media));
      return { json: { status: "success", message: "Upload completed successfully." } };
    });
  }

  private ready(ctx: RequestContext): Media & { kind: AudioKind } {
    const media = this.store.find(ctx.params.id);
    if (media.status !== "done" || !media.kind)
      throw new HttpError(404, `media is not ready (status ${media.status})`);
    return media as Media & { kind: AudioKind };
  }

  private serveSource(ctx: RequestContext): Reply {
    const media = this.store.find(ctx.params.id);
    if (!media.kind || media.status === "fail") throw new HttpError(404, "media source is not available");
    return {
      file: media.file,
      contentType: media.kind.mimeType,
      headers: { "access-control-allow-origin": "*" },
    };
  }

  private serveThumbnail(ctx: RequestContext): Reply {
    return { body: thumbnailSvg(this.store.find(ctx.params.id).title), contentType: "image/svg+xml" };
  }

  private servePlaylist(ctx: RequestContext): Reply {
    const media = this.ready(ctx);
    const segment = `${this.url}/media/${encodeURIComponent(media.id)}/hls/0.${media.kind.extension}`;
    return {
      body: hlsPlaylist(
        [{ url: segment, durationSec: media.duration }],
        `the single segment is the uploaded file unchanged (${media.kind.mimeType}); the sandbox does not transcode`,
      ),
      contentType: "application/vnd.apple.mpegurl",
      headers: { "access-control-allow-origin": "*" },
    };
  }

  private serveSegment(ctx: RequestContext): Reply {
    const media = this.ready(ctx);
    if (ctx.params.segment !== `0.${media.kind.extension}`) throw new HttpError(404, "segment not found");
    return {
      file: media.file,
      contentType: media.kind.mimeType,
      headers: { "access-control-allow-origin": "*" },
    };
  }

  private serveManifest(ctx: RequestContext): Reply {
    const media = this.ready(ctx);
    return {
      body: dashManifest({
        durationSec: media.duration,
        mediaUrl: `${this.url}/media/${encodeURIComponent(media.id)}/source`,
        mimeType: media.kind.mimeType,
        bandwidth: media.duration > 0 ? (media.size * 8) / media.duration : ASSUMED_BITRATE,
        note: "the one representation is the uploaded file unchanged; the sandbox does not transcode",
      }),
      contentType: "application/dash+xml",
      headers: { "access-control-allow-origin": "*" },
    };
  }

  private servePlayer(ctx: RequestContext): Reply {
    if (ctx.params.kind !== "hls" && ctx.params.kind !== "dash") throw new HttpError(404, "player not found");
    const media = this.store.find(ctx.params.id);
    const base = `${this.url}/media/${encodeURIComponent(media.id)}`;
    const note =
      media.status === "done"
        ? `this page plays the uploaded file; the ${ctx.params.kind.toUpperCase()} ${ctx.params.kind === "hls" ? "playlist" : "manifest"} is linked below.`
        : `this audio is not ready yet (status ${media.status}).`;
    return {
      body: playerPage({
        title: media.title,
        kind: "audio",
        src: `${base}/source`,
        ...(media.kind ? { mimeType: media.kind.mimeType } : {}),
        note,
        links:
          ctx.params.kind === "hls"
            ? { "HLS playlist": `${base}/m3u8` }
            : { "DASH manifest": `${base}/manifest` },
      }),
      contentType: "text/html; charset=utf-8",
    };
  }
}
