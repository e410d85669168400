import { asRecord, asString } from "../envelope.js";
import { defineProvider } from "../environment.js";
import { videodbJobs } from "./jobs.js";
import { videodbOperations } from "./operations.js";

/** VideoDB: HLS streams of videos and timelines, audio URLs, AI video generation. */
export const videodb = defineProvider({
  id: "videodb",
  name: "VideoDB",
  environment: {
    credentials: [[{ name: "VIDEODB_API_KEY", placeholder: "<your VideoDB API key>", secret: true }]],
    baseUrl: { variable: "VIDEODB_BASE_URL", default: "https://api.videodb.io" },
  },
  auth: (config) => ({
    headers: async () => ({ "x-access-token": config.credentials.VIDEODB_API_KEY ?? "" }),
  }),
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
});
