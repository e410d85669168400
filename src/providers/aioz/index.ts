import { asRecord, asString } from "../envelope.js";
import { defineProvider } from "../environment.js";
import { aiozJobs } from "./jobs.js";
import {
  completeUpload,
  createAudio,
  deleteAudio,
  estimateCost,
  getAudio,
  listAudio,
  updateAudio,
} from "./operations.js";
import { uploadAudio, uploadAudioPart } from "./upload.js";

/** AIOZ Stream: audio media objects, chunked upload, transcoding to HLS/DASH. */
export const aioz = defineProvider({
  id: "aioz",
  name: "AIOZ Stream",
  environment: {
    credentials: [
      [{ name: "AIOZ_STREAM_TOKEN", placeholder: "<your AIOZ Stream token>", secret: true }],
      [
        { name: "AIOZ_STREAM_PUBLIC_KEY", placeholder: "<your AIOZ Stream public key>", secret: true },
        { name: "AIOZ_STREAM_SECRET_KEY", placeholder: "<your AIOZ Stream secret key>", secret: true },
      ],
    ],
    baseUrl: { variable: "AIOZ_STREAM_BASE_URL", default: "https://api.aiozstream.network/api" },
  },
  auth: ({ credentials }) => ({
    headers: async (): Promise<Record<string, string>> =>
      credentials.AIOZ_STREAM_TOKEN
        ? { authorization: `Bearer ${credentials.AIOZ_STREAM_TOKEN}` }
        : {
            "stream-public-key": credentials.AIOZ_STREAM_PUBLIC_KEY ?? "",
            "stream-secret-key": credentials.AIOZ_STREAM_SECRET_KEY ?? "",
          },
  }),
  // Envelope: {status: "success", data} or {status: "success", message}; errors {status, message}.
  unwrap(_status, body) {
    const envelope = asRecord(body);
    if (envelope.status !== "success") {
      return { ok: false, message: asString(envelope.message) ?? `status ${String(envelope.status)}` };
    }
    return { ok: true, data: "data" in envelope ? envelope.data : { message: envelope.message } };
  },
  operations: [
    createAudio,
    listAudio,
    getAudio,
    updateAudio,
    deleteAudio,
    estimateCost,
    uploadAudioPart,
    uploadAudio,
    completeUpload,
  ],
  jobs: aiozJobs,
  probe: { operation: "aioz_list_audio", input: { limit: 1 } },
});
