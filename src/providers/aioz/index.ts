import { asRecord, asString } from "../envelope.js";
import type { Provider, ProviderConfig } from "../types.js";
import { aiozJobs } from "./jobs.js";
import { aiozOperations } from "./operations.js";

export interface AiozConfig extends ProviderConfig {
  token?: string;
  publicKey?: string;
  secretKey?: string;
}

/** AIOZ Stream: audio media objects, chunked upload, transcoding to HLS/DASH. */
export const aioz: Provider<AiozConfig> = {
  id: "aioz",
  name: "AIOZ Stream",
  credentialVariables: "AIOZ_STREAM_TOKEN (or AIOZ_STREAM_PUBLIC_KEY and AIOZ_STREAM_SECRET_KEY)",
  configFromEnv(env) {
    const baseUrl = env.AIOZ_STREAM_BASE_URL?.trim() || "https://api.aiozstream.network/api";
    const token = env.AIOZ_STREAM_TOKEN?.trim();
    if (token) return { baseUrl, token, secrets: [token] };
    const publicKey = env.AIOZ_STREAM_PUBLIC_KEY?.trim();
    const secretKey = env.AIOZ_STREAM_SECRET_KEY?.trim();
    if (publicKey && secretKey) return { baseUrl, publicKey, secretKey, secrets: [publicKey, secretKey] };
    return undefined;
  },
  auth: (config) => ({
    headers: async (): Promise<Record<string, string>> =>
      config.token
        ? { authorization: `Bearer ${config.token}` }
        : { "stream-public-key": config.publicKey ?? "", "stream-secret-key": config.secretKey ?? "" },
  }),
  // Envelope: {status: "success", data} or {status: "success", message}; errors {status, message}.
  unwrap(_status, body) {
    const envelope = asRecord(body);
    if (envelope.status !== "success") {
      return { ok: false, message: asString(envelope.message) ?? `status ${String(envelope.status)}` };
    }
    return { ok: true, data: "data" in envelope ? envelope.data : { message: envelope.message } };
  },
  operations: aiozOperations,
  jobs: aiozJobs,
  probe: { operation: "aioz_list_audio", input: { limit: 1 } },
};
