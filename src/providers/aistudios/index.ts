import { asRecord, asString } from "../envelope.js";
import type { Provider, ProviderConfig } from "../types.js";
import { aistudiosOperations } from "./operations.js";
import { tokenExchange } from "./token.js";

export interface AiStudiosConfig extends ProviderConfig {
  apiKey?: string;
  appId?: string;
  userKey?: string;
}

/** DeepBrain AI Studios: text-to-speech in an AI model's voice. */
export const aistudios: Provider<AiStudiosConfig> = {
  id: "aistudios",
  name: "AI Studios",
  credentialVariables: "AISTUDIOS_API_KEY (or AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY)",
  configFromEnv(env) {
    const baseUrl = env.AISTUDIOS_BASE_URL?.trim() || "https://app.aistudios.cn";
    const apiKey = env.AISTUDIOS_API_KEY?.trim();
    if (apiKey) return { baseUrl, apiKey, secrets: [apiKey] };
    const appId = env.AISTUDIOS_APP_ID?.trim();
    const userKey = env.AISTUDIOS_USER_KEY?.trim();
    if (appId && userKey) return { baseUrl, appId, userKey, secrets: [userKey] };
    return undefined;
  },
  // The document's `Authorization` value is an access token valid for 24 h (DeepBrain-AI/docs
  // `versioned_docs/version-1.6.x/aistudioV3/reference/auth.md`): a raw one stops working a day after it
  // was issued, while app id + user key are exchanged anew whenever the token nears its end.
  authRemedy: (config) =>
    config.apiKey
      ? "AISTUDIOS_API_KEY is an access token that lasts 24 hours and may have expired: issue a new one, or set AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY instead (and unset AISTUDIOS_API_KEY) so mediagate exchanges and refreshes the token itself."
      : "Check AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY (AI Studios refused them or the token they were exchanged for).",
  // The key goes raw in Authorization, with no "Bearer".
  auth: (config) =>
    config.apiKey
      ? { headers: async () => ({ authorization: config.apiKey as string }) }
      : tokenExchange(config.appId ?? "", config.userKey ?? ""),
  // Envelope: {success: true, data} or {success: false, error: {code, msg}}.
  unwrap(_status, body) {
    const envelope = asRecord(body);
    if (envelope.success === false) {
      const error = asRecord(envelope.error);
      const code = asString(error.code);
      return {
        ok: false,
        message: asString(error.msg) ?? asString(envelope.message) ?? "request failed",
        ...(code ? { code } : {}),
      };
    }
    return { ok: true, data: "data" in envelope ? envelope.data : envelope };
  },
  operations: aistudiosOperations,
  probe: { operation: "aistudios_list_models", input: {} },
};
