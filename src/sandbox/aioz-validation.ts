// AIOZ Stream's input rules as the emulator enforces them: what a request body may hold, and in what form.

import { HttpError } from "./http.js";

export const RESOLUTIONS = ["standard", "good", "highest", "lossless"];
const CONTAINERS: Record<string, string[]> = { hls: ["mpegts", "mp4"], dash: ["fmp4"] };
const SAMPLE_RATES = [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000];
export const SORT_FIELDS = ["created_at", "updated_at", "title", "size"];
export const STATUSES = ["new", "transcoding", "done", "fail", "deleted"];
/** The limits the official clients' tests expect the service to enforce (go-client `api_video_test.go`). */
export const MAX_TITLE = 255;
export const MAX_DESCRIPTION = 1000;
export const MAX_METADATA_KEY = 255;

export interface AudioConfig {
  codec: string;
  bitrate: number;
  channels: string;
  sample_rate: number;
  language?: string;
  index?: number;
}

export interface Quality {
  name: string;
  type: string;
  container_type: string;
  audio_config: AudioConfig;
}

export interface MetadataPair {
  key: string;
  value: string;
}

export type Status = "new" | "transcoding" | "done" | "fail" | "deleted";

export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new HttpError(400, `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `${field} must be a string`);
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new HttpError(400, `${field} must be a boolean`);
  return value;
}

export function limitedString(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = optionalString(body, field);
  if (value !== undefined && [...value].length > max) {
    throw new HttpError(400, `${field} must be at most ${max} characters`);
  }
  return value;
}

/** A list of `{key, value}`, the only form the official clients send (go-client `Metadata *[]Metadata`). */
export function parseMetadata(value: unknown): MetadataPair[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new HttpError(400, "metadata must be a list of {key, value} pairs");
  return value.map((pair, i) => {
    const { key, value: val } = object(pair, `metadata[${i}]`);
    if (typeof key !== "string" || key === "" || typeof val !== "string") {
      throw new HttpError(400, `metadata[${i}] must have a non-empty string key and a string value`);
    }
    if ([...key].length > MAX_METADATA_KEY) {
      throw new HttpError(400, `metadata[${i}].key must be at most ${MAX_METADATA_KEY} characters`);
    }
    return { key, value: val };
  });
}

/** A list of the allowed values, as the official clients send `status` (go-client `Status *[]string`). */
export function listOf(value: unknown, field: string, allowed: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && allowed.includes(item))) {
    throw new HttpError(400, `${field} must be a list of ${allowed.join(", ")}`);
  }
  return value as string[];
}

export function parseTags(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((tag) => typeof tag === "string")) {
    throw new HttpError(400, "tags must be a list of strings");
  }
  return value as string[];
}

export function parseQualities(value: unknown): Quality[] {
  // The document does not say what an audio created without qualities gets; one HLS preset is a sane guess.
  if (value === undefined || value === null) {
    return [
      {
        name: "standard",
        type: "hls",
        container_type: "mpegts",
        audio_config: { codec: "aac", bitrate: 128000, channels: "2", sample_rate: 44100 },
      },
    ];
  }
  if (!Array.isArray(value) || value.length === 0)
    throw new HttpError(400, "qualities must be a non-empty list");
  const seen = new Set<string>();
  return value.map((raw, i) => {
    const at = `qualities[${i}]`;
    const q = object(raw, at);
    const { resolution, type } = q;
    if (typeof resolution !== "string" || !RESOLUTIONS.includes(resolution)) {
      throw new HttpError(400, `${at}.resolution must be one of ${RESOLUTIONS.join(", ")}`);
    }
    if (typeof type !== "string" || !(type in CONTAINERS)) {
      throw new HttpError(400, `${at}.type must be one of hls, dash`);
    }
    const allowed = CONTAINERS[type] ?? [];
    const container = q.container_type ?? allowed[0];
    if (typeof container !== "string" || !allowed.includes(container)) {
      throw new HttpError(400, `${at}.container_type must match type ${type}: ${allowed.join(" or ")}`);
    }
    if (seen.has(`${resolution}/${type}`))
      throw new HttpError(400, `${at}: duplicate quality ${resolution} ${type}`);
    seen.add(`${resolution}/${type}`);
    if (q.audio_config === undefined) throw new HttpError(400, `${at}.audio_config is required for audio`);
    const c = object(q.audio_config, `${at}.audio_config`);
    const codec = c.codec ?? "aac";
    if (codec !== "aac") throw new HttpError(400, `${at}.audio_config.codec must be aac`);
    const channels = c.channels ?? "2";
    if (channels !== "2") throw new HttpError(400, `${at}.audio_config.channels must be "2"`);
    const sampleRate = c.sample_rate ?? 44100;
    if (typeof sampleRate !== "number" || !SAMPLE_RATES.includes(sampleRate)) {
      throw new HttpError(400, `${at}.audio_config.sample_rate must be one of ${SAMPLE_RATES.join(", ")}`);
    }
    const bitrate = c.bitrate ?? 128000;
    if (typeof bitrate !== "number" || !Number.isInteger(bitrate) || bitrate <= 0) {
      throw new HttpError(400, `${at}.audio_config.bitrate must be a positive integer`);
    }
    const config: AudioConfig = { codec, bitrate, channels, sample_rate: sampleRate };
    if (c.language !== undefined) {
      if (typeof c.language !== "string")
        throw new HttpError(400, `${at}.audio_config.language must be a string`);
      config.language = c.language;
    }
    if (c.index !== undefined) {
      if (typeof c.index !== "number" || !Number.isInteger(c.index) || c.index < 0) {
        throw new HttpError(400, `${at}.audio_config.index must be a non-negative integer`);
      }
      config.index = c.index;
    }
    return { name: resolution, type, container_type: container, audio_config: config };
  });
}

export function integerIn(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `${field} must be an integer between ${min} and ${max}`);
  }
  return value;
}

export function oneOf(
  value: unknown,
  field: string,
  allowed: string[],
  fallback?: string,
): string | undefined {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string" || !allowed.includes(value)) {
    throw new HttpError(400, `${field} must be one of ${allowed.join(", ")}`);
  }
  return value;
}
