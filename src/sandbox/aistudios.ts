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
import { renderTones, type Tone, textTones, thumbnailSvg, tonesDuration, wavFile } from "./media.js";

export interface AiStudiosSetup extends EmulatorSetup {
  apiKey: string;
  appId: string;
  userKey: string;
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
    clothes: [
      { id: "1", label: { ko: "네이비 정장", en: "Navy suit" } },
      { id: "2", label: { ko: "캐주얼 셔츠", en: "Casual shirt" } },
    ],
  },
  {
    id: "M000004017",
    label: { ko: "샌드박스 앵커", en: "Sandbox news anchor" },
    language: ["ko"],
    clothes: [{ id: "1", label: { ko: "스튜디오 재킷", en: "Studio jacket" } }],
  },
  {
    id: "M000312031",
    label: { ko: "샌드박스 다국어 모델", en: "Sandbox multilingual host" },
    language: ["en", "ja", "zh"],
    clothes: [{ id: "1", label: { ko: "블레이저", en: "Blazer" } }],
  },
];

export const AISTUDIOS_SEED = { modelIds: MODELS.map((model) => model.id) } as const;

const TOKEN_LIFETIME_SEC = 24 * 60 * 60;
const SAMPLE_RATE = 16000;

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

  private exportAudio(ctx: RequestContext): Reply {
    const body = bodyObject(ctx);
    const language = requiredString(body, "language");
    const text = requiredString(body, "text");
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
