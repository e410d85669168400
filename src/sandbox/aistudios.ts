import { randomBytes } from "node:crypto";
import { STATUS_CODES } from "node:http";
import {
  type EmulatorSetup,
  HttpEmulator,
  HttpError,
  type Reply,
  type RequestContext,
  type Route,
} from "./http.js";
import {
  patternMp4,
  renderTones,
  type Tone,
  textTones,
  thumbnailSvg,
  tonesDuration,
  wavFile,
} from "./media.js";

export interface AiStudiosSetup extends EmulatorSetup {
  apiKey: string;
  appId: string;
  userKey: string;
  /** How long a presenter video renders before its download URL appears. */
  jobDurationMs: number;
  /** 0..1 chance that a render fails. */
  failureRate: number;
}

interface Label {
  ko: string;
  en: string;
}

interface Model {
  id: string;
  label: Label;
  /** What the emulator accepts in `simple/audio`; the model list does not show it, as the document has none. */
  language: string[];
  clothes: Array<{ id: string; label: Label }>;
}

const MODELS: Model[] = [
  {
    id: "M000045058",
    label: { ko: "샌드박스 발표자", en: "Sandbox presenter" },
    language: ["en", "ko"],
    // The documents' own clothes id for this model (`simple-video.md`'s sample request) comes first.
    clothes: [
      { id: "BG00002320", label: { ko: "네이비 정장", en: "Navy suit" } },
      { id: "BG00002321", label: { ko: "캐주얼 셔츠", en: "Casual shirt" } },
    ],
  },
  {
    id: "M000004017",
    label: { ko: "샌드박스 앵커", en: "Sandbox news anchor" },
    language: ["ko"],
    clothes: [{ id: "BG00004017", label: { ko: "스튜디오 재킷", en: "Studio jacket" } }],
  },
  {
    id: "M000312031",
    label: { ko: "샌드박스 다국어 모델", en: "Sandbox multilingual host" },
    language: ["en", "ja", "zh"],
    clothes: [{ id: "BG00312031", label: { ko: "블레이저", en: "Blazer" } }],
  },
];

export const AISTUDIOS_SEED = { modelIds: MODELS.map((model) => model.id) } as const;

const TOKEN_LIFETIME_SEC = 24 * 60 * 60;
const SAMPLE_RATE = 16000;
/** The document's `resolution` values (`reference/simple-video.md`). */
const RESOLUTIONS = ["4k", "1080", "720", "480"];

/** A `simple/video` request's project, exporting until its duration has passed. */
interface Project {
  id: string;
  startedAt: number;
  webhookUrl?: string;
  outcome?: "exported" | { error: string };
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== "string" || value.trim() === "") {
    throw new HttpError(400, `${field} is required and must be a non-empty string`, "BAD_REQUEST");
  }
  return value;
}

function bodyObject(ctx: RequestContext): Record<string, unknown> {
  const body = ctx.json ?? {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, "request body must be a JSON object", "BAD_REQUEST");
  }
  return body as Record<string, unknown>;
}

function speaks(model: Model, language: string): boolean {
  const tag = language.toLowerCase();
  const primary = tag.split("-")[0] ?? tag;
  return model.language.includes(tag) || model.language.includes(primary);
}

export class AiStudiosEmulator extends HttpEmulator {
  private readonly setup: AiStudiosSetup;
  /** token → expiry (ms since epoch) */
  private readonly tokens = new Map<string, number>();
  private readonly files = new Map<string, Tone[]>();
  private readonly projects = new Map<string, Project>();
  /**
   * While set, renders stay in progress past their duration, and the ones due settle at the first poll
   * after it is cleared: a test sees a render in progress however slow the machine is.
   */
  holdJobs = false;

  constructor(setup: AiStudiosSetup) {
    super(setup);
    this.setup = setup;
  }

  protected override errorBody(error: HttpError): unknown {
    const code =
      error.code ?? (STATUS_CODES[error.status] ?? "ERROR").toUpperCase().replace(/[^A-Z0-9]+/g, "_");
    return { success: false, error: { code, msg: error.message } };
  }

  protected override authenticate(headers: Record<string, string>): HttpError | undefined {
    const value = headers.authorization;
    if (!value) return new HttpError(401, "Authorization header is required", "UNAUTHORIZED");
    if (value === this.setup.apiKey) return undefined;
    const expiry = this.tokens.get(value);
    if (expiry !== undefined) {
      if (expiry > Date.now()) return undefined;
      this.tokens.delete(value);
      return new HttpError(401, "token expired", "UNAUTHORIZED");
    }
    const hint = /^Bearer\s/i.test(value) ? " (send the key or token itself, without Bearer)" : "";
    return new HttpError(401, `invalid API key or token${hint}`, "UNAUTHORIZED");
  }

  protected override routes(): Route[] {
    return [
      { method: "POST", path: "/api/odin/v3/auth/token", public: true, handle: (ctx) => this.token(ctx) },
      { method: "GET", path: "/api/odin/v3/model", handle: () => this.models() },
      { method: "POST", path: "/api/odin/v3/simple/audio", handle: (ctx) => this.exportAudio(ctx) },
      { method: "POST", path: "/api/odin/v3/simple/video", handle: (ctx) => this.exportVideo(ctx) },
      {
        method: "GET",
        path: "/api/odin/v3/editor/progress/:project_id",
        handle: (ctx) => this.progress(ctx),
      },
      {
        method: "GET",
        path: "/sandbox/aistudios/videos/:file",
        outsideBasePath: true,
        public: true,
        handle: (ctx) => this.serveVideo(ctx),
      },
      {
        method: "GET",
        path: "/sandbox/aistudios/files/:name",
        outsideBasePath: true,
        public: true,
        handle: (ctx) => this.serveFile(ctx),
      },
      {
        method: "GET",
        path: "/sandbox/aistudios/thumbnails/:file",
        outsideBasePath: true,
        public: true,
        handle: (ctx) => this.serveThumbnail(ctx),
      },
    ];
  }

  private token(ctx: RequestContext): Reply {
    const body = bodyObject(ctx);
    const appId = requiredString(body, "appId");
    const userKey = requiredString(body, "userKey");
    if (appId !== this.setup.appId || userKey !== this.setup.userKey) {
      throw new HttpError(401, "invalid appId or userKey", "UNAUTHORIZED");
    }
    const token = randomBytes(24).toString("base64url");
    const expire = Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_SEC;
    this.tokens.set(token, expire * 1000);
    return { json: { success: true, data: { token, expire } } };
  }

  /**
   * The documented shape (DeepBrain-AI/docs `versioned_docs/version-1.6.x/aistudioV3/reference/
   * model-list.md`): `models[].{id, label: {ko, en}, thumbnail, clothes[].{id, label, thumbnail}}`.
   */
  private models(): Reply {
    const thumbnails = `${this.origin}/sandbox/aistudios/thumbnails`;
    const models = MODELS.map((model) => ({
      id: model.id,
      label: model.label,
      thumbnail: `${thumbnails}/${model.id}.svg`,
      clothes: model.clothes.map((cloth) => ({
        id: cloth.id,
        label: cloth.label,
        thumbnail: `${thumbnails}/${model.id}.svg`,
      })),
    }));
    return { json: { success: true, data: { models } } };
  }

  /** The model a request names, checked to speak its language. */
  private speakingModel(body: Record<string, unknown>): { model: Model; language: string } {
    const language = requiredString(body, "language");
    requiredString(body, "text");
    const modelId = requiredString(body, "model");
    const model = MODELS.find((m) => m.id === modelId);
    if (!model) throw new HttpError(400, `unknown model ${modelId}`, "INVALID_MODEL");
    if (!speaks(model, language)) {
      throw new HttpError(
        400,
        `model ${modelId} does not speak ${language} (it speaks ${model.language.join(", ")})`,
        "INVALID_LANGUAGE",
      );
    }
    return { model, language };
  }

  private exportAudio(ctx: RequestContext): Reply {
    const body = bodyObject(ctx);
    const { model, language } = this.speakingModel(body);
    const text = body.text as string;
    const modelId = model.id;
    const tones = textTones(text);
    const fileName = `sandbox-${randomBytes(8).toString("hex")}.wav`;
    this.files.set(fileName, tones);
    const duration = tonesDuration(tones, SAMPLE_RATE);
    return {
      json: {
        success: true,
        data: {
          fileName,
          downloadUrl: `${this.origin}/sandbox/aistudios/files/${fileName}`,
          metaList: [{ duration, language, model: modelId, sampleRate: SAMPLE_RATE, channels: 1 }],
        },
      },
    };
  }

  /**
   * `POST /api/odin/v3/simple/video` as `reference/simple-video.md` documents it: `language`, `text`,
   * `model` and `clothes` required (the clothes one of that model's), `resolution` one of 4k, 1080, 720,
   * 480, `isExport` a boolean, `webhookUrl` a URL; answers `{projectId}`.
   */
  private exportVideo(ctx: RequestContext): Reply {
    const body = bodyObject(ctx);
    const { model } = this.speakingModel(body);
    const clothes = requiredString(body, "clothes");
    if (!model.clothes.some((cloth) => cloth.id === clothes)) {
      const ids = model.clothes.map((cloth) => cloth.id).join(", ");
      throw new HttpError(
        400,
        `clothes ${clothes} are not model ${model.id}'s (its clothes: ${ids})`,
        "INVALID_CLOTHES",
      );
    }
    const { resolution, isExport, webhookUrl } = body;
    if (resolution !== undefined && !(typeof resolution === "string" && RESOLUTIONS.includes(resolution))) {
      throw new HttpError(400, `resolution must be one of ${RESOLUTIONS.join(", ")}`, "INVALID_RESOLUTION");
    }
    if (isExport !== undefined && typeof isExport !== "boolean") {
      throw new HttpError(400, "isExport must be a boolean", "BAD_REQUEST");
    }
    if (
      webhookUrl !== undefined &&
      !(typeof webhookUrl === "string" && /^https?:\/\//i.test(webhookUrl) && URL.canParse(webhookUrl))
    ) {
      throw new HttpError(400, "webhookUrl must be an http(s) URL", "BAD_REQUEST");
    }
    // A project id as the documents show them: a 24-hex-digit ObjectId.
    const project: Project = {
      id: randomBytes(12).toString("hex"),
      startedAt: Date.now(),
      ...(typeof webhookUrl === "string" ? { webhookUrl } : {}),
    };
    this.projects.set(project.id, project);
    this.schedule(this.setup.jobDurationMs, () => this.settle(project));
    return { json: { success: true, data: { projectId: project.id } } };
  }

  /** Idempotent; from the project's timer or the first poll after it is due (never while renders are held). */
  private settle(project: Project): void {
    if (project.outcome || this.holdJobs) return;
    project.outcome =
      Math.random() < this.setup.failureRate
        ? { error: "video export failed (sandbox failureRate)" }
        : "exported";
    if (project.outcome !== "exported" || !project.webhookUrl) return;
    // The fields `reference/webhook.md` lists for a finished export; best effort, as for the service.
    fetch(project.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        progress: 100,
        credit: 1,
        backendTaskId: project.id,
        download_url: this.videoUrl(project),
      }),
      signal: AbortSignal.timeout(5000),
    })
      .then((res) => res.body?.cancel())
      .catch(() => undefined);
  }

  private videoUrl(project: Project): string {
    return `${this.origin}/sandbox/aistudios/videos/${project.id}.mp4`;
  }

  /**
   * `GET /api/odin/v3/editor/progress/{projectId}` (`reference/progress.md`): `progress`, a float from 0
   * to 100 that climbs over the render, and `downloadUrl` once it is 100. A failed render answers the
   * envelope's `success: false` with `error.{code, msg}`, which the documents' polling loops stop on.
   */
  private progress(ctx: RequestContext): Reply {
    const project = this.projects.get(ctx.params.project_id ?? "");
    if (!project) throw new HttpError(404, `project ${ctx.params.project_id} not found`, "NOT_FOUND");
    if (!project.outcome && Date.now() - project.startedAt >= this.setup.jobDurationMs) this.settle(project);
    if (project.outcome === "exported") {
      return { json: { success: true, data: { progress: 100, downloadUrl: this.videoUrl(project) } } };
    }
    if (project.outcome) {
      return { json: { success: false, error: { code: "EXPORT_FAILED", msg: project.outcome.error } } };
    }
    const elapsed = Date.now() - project.startedAt;
    const share = this.setup.jobDurationMs > 0 ? elapsed / this.setup.jobDurationMs : 1;
    const progress = Math.min(99, Math.floor(share * 10000) / 100);
    return { json: { success: true, data: { progress } } };
  }

  /** The test pattern, whatever the text: the sandbox has no presenter to film. */
  private serveVideo(ctx: RequestContext): Reply {
    const id = /^([0-9a-f]+)\.mp4$/.exec(ctx.params.file ?? "")?.[1];
    const project = id === undefined ? undefined : this.projects.get(id);
    if (project?.outcome !== "exported") throw new HttpError(404, "video not found", "NOT_FOUND");
    return {
      body: patternMp4(),
      contentType: "video/mp4",
      headers: { "access-control-allow-origin": "*" },
    };
  }

  /** The audio is a beep per word (see textTones), not speech: the sandbox has no voice. */
  private serveFile(ctx: RequestContext): Reply {
    const name = ctx.params.name ?? "";
    const tones = this.files.get(name);
    if (!tones) throw new HttpError(404, "file not found", "NOT_FOUND");
    return {
      body: wavFile(renderTones(tones, SAMPLE_RATE), SAMPLE_RATE),
      contentType: "audio/wav",
      headers: {
        "content-disposition": `attachment; filename="${name}"`,
        "access-control-allow-origin": "*",
      },
    };
  }

  private serveThumbnail(ctx: RequestContext): Reply {
    const id = /^(.+)\.svg$/.exec(ctx.params.file ?? "")?.[1];
    const model = MODELS.find((m) => m.id === id);
    if (!model) throw new HttpError(404, "thumbnail not found", "NOT_FOUND");
    return { body: thumbnailSvg(model.label.en), contentType: "image/svg+xml" };
  }
}
