import { asRecord, asString } from "../envelope.js";
import type { Provider, ProviderConfig } from "../types.js";
import { videodbJobs } from "./jobs.js";
import { videodbOperations } from "./operations.js";

export interface VideoDbConfig extends ProviderConfig {
  apiKey: string;
}

/** VideoDB: HLS streams of videos and timelines, audio URLs, AI video generation. */
export const videodb: Provider<VideoDbConfig> = {
  id: "videodb",
  name: "VideoDB",
  credentialVariables: "VIDEODB_API_KEY",
  configFromEnv(env) {
    const apiKey = env.VIDEODB_API_KEY?.trim();
    if (!apiKey) return undefined;
    return { baseUrl: env.VIDEODB_BASE_URL?.trim() || "https://api.videodb.io", apiKey, secrets: [apiKey] };
  },
  auth: (config) => ({ headers: async () => ({ "x-access-token": config.apiKey }) }),
  // Envelope: {success: true, data} or {success: false, message, error_code?}.
  unwrap(_status, body) {
    const envelope = asRecord(body);
    if (envelope.success === false) {
      const code = asString(envelope.error_code);
      return {
        ok: false,
        message: asString(envelope.message) ?? "request failed",
        ...(code ? { code } : {}),
      };
    }
    return { ok: true, data: "data" in envelope ? envelope.data : envelope };
  },
  operations: videodbOperations,
  jobs: videodbJobs,
  probe: { operation: "videodb_list_videos", input: {} },
};
