import { asRecord, asString } from "../envelope.js";
import { defineProvider } from "../environment.js";
import { aistudiosJobs } from "./jobs.js";
import { aistudiosOperations } from "./operations.js";
import { tokenExchange } from "./token.js";

/** AI Studios' hosts: the document's default, and the global service one variable away. */
const defaultBaseUrl = "https://app.aistudios.cn";
const globalBaseUrl = "https://app.aistudios.com";

/** DeepBrain AI Studios: text-to-speech in an AI model's voice, and presenter videos of the model. */
export const aistudios = defineProvider({
  id: "aistudios",
  name: "AI Studios",
  environment: {
    credentials: [
      [{ name: "AISTUDIOS_API_KEY", placeholder: "<your AI Studios API key>", secret: true }],
      [
        { name: "AISTUDIOS_APP_ID", placeholder: "<your AI Studios app id>", secret: false },
        { name: "AISTUDIOS_USER_KEY", placeholder: "<your AI Studios user key>", secret: true },
      ],
    ],
    baseUrl: { variable: "AISTUDIOS_BASE_URL", default: defaultBaseUrl },
  },
  // The document's `Authorization` value is an access token valid for 24 h (DeepBrain-AI/docs
  // `versioned_docs/version-1.6.x/aistudioV3/reference/auth.md`): a raw one stops working a day after it
  // was issued, while app id + user key are exchanged anew whenever the token nears its end.
  authRemedy: (config) =>
    config.credentials.AISTUDIOS_API_KEY
      ? "AISTUDIOS_API_KEY is an access token that lasts 24 hours and may have expired: issue a new one, or set AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY instead (and unset AISTUDIOS_API_KEY) so mediagate exchanges and refreshes the token itself."
      : "Check AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY (AI Studios refused them or the token they were exchanged for).",
  // The key goes raw in Authorization, with no "Bearer".
  auth: ({ credentials }) =>
    credentials.AISTUDIOS_API_KEY
      ? { headers: async () => ({ authorization: credentials.AISTUDIOS_API_KEY as string }) }
      : tokenExchange(credentials.AISTUDIOS_APP_ID ?? "", credentials.AISTUDIOS_USER_KEY ?? ""),
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
  jobs: aistudiosJobs,
  probe: { operation: "aistudios_list_models", input: {} },
  doctorNotes: {
    configuration: (env, sandbox) =>
      sandbox || !env.AISTUDIOS_API_KEY?.trim()
        ? []
        : [
            "note: AISTUDIOS_API_KEY is an access token that lasts 24 hours; to run unattended, set AISTUDIOS_APP_ID + AISTUDIOS_USER_KEY instead (exchanged for a token and refreshed automatically)",
          ],
    // An account may live on the global host rather than the default one: the error itself cannot know.
    failure: (baseUrl) => {
      const host = baseUrl.replace(/\/+$/, "");
      if (host === globalBaseUrl) return [];
      const which = host === defaultBaseUrl ? `${defaultBaseUrl} is the default host; ` : "";
      return [`note: ${which}an account on the global service needs AISTUDIOS_BASE_URL=${globalBaseUrl}`];
    },
  },
});
