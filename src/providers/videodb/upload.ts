import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";
import { MediagateError } from "../../errors.js";
import { parseSourceUrl } from "../../files/url-source.js";
import { describeJob, type Job, jobSchema } from "../../jobs/job.js";
import { maxWaitSeconds, startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { sendEndpoint } from "../../tools/execute.js";
import { defineProcedure, type Endpoint, type ToolContext } from "../../tools/operation.js";
import { fileSource } from "../aioz/upload-source.js";
import { asRecord, asString, compact, requiredString } from "../envelope.js";
import { encodeJobRef } from "./job-refs.js";
import { remoteJobId } from "./jobs.js";
import { mediaResult } from "./results.js";
import { callbackUrl, collectionId } from "./schemas.js";
import { checkUploadUrl, sendToUploadUrl } from "./signed-upload.js";

const docs = "https://docs.videodb.io/api-reference";

const extensions: Record<string, "video" | "audio" | "image"> = {};
for (const ext of ["mp4", "mov", "m4v", "mkv", "webm", "avi", "mpeg", "mpg", "ts", "flv", "wmv", "3gp"])
  extensions[ext] = "video";
for (const ext of ["mp3", "wav", "m4a", "aac", "flac", "ogg", "oga", "opus", "wma"])
  extensions[ext] = "audio";
for (const ext of ["png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "heic"])
  extensions[ext] = "image";

/** The media type a name's extension says, or undefined: then VideoDB decides, as the SDKs leave it. */
export function mediaTypeOf(name: string): "video" | "audio" | "image" | undefined {
  const ext = path.extname(name).slice(1).toLowerCase();
  return Object.hasOwn(extensions, ext) ? extensions[ext] : undefined;
}

/**
 * `GET /collection/{collection_id}/upload_url?name=N`: a signed URL the file is posted to
 * (video-db/videodb-python `videodb/_upload.py`). Asking again only gives another URL: safe to repeat.
 */
const uploadUrl: Endpoint<{ collection_id: string; name: string }> = {
  provider: "videodb",
  route: "GET /collection/{collection_id}/upload_url",
  request: (input) => ({ query: { name: input.name } }),
};

/**
 * `POST /collection/{collection_id}/upload` with the file's URL: VideoDB adds it to the collection.
 * `openapi.yaml` lists `url`, `name`, `media_type`, `callback_url`; the SDK code also sends
 * `description` (`_upload.py`), and the code wins. Never sent twice: each would add the media again.
 */
const addMedia: Endpoint = {
  provider: "videodb",
  route: "POST /collection/{collection_id}/upload",
  safeToRetry: false,
};

/**
 * A `url` that VideoDB fetches itself: checked as aioz_upload_audio checks its sources (no private or
 * loopback address when serving over HTTP), by resolving the name, without downloading anything.
 */
async function checkSourceUrl(text: string, context: ToolContext): Promise<URL> {
  const url = parseSourceUrl(text);
  if (!context.config.http || context.config.allowPrivateUrls) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // The sandbox's own emulators, by literal address and port, as url sources allow them (url-source.ts).
  if (isIP(host) && context.config.privateUrlOrigins?.includes(url.origin)) return url;
  const { isPrivateAddress } = await import("../../files/address-ranges.js");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    throw new MediagateError("invalid_input", `url: ${host} cannot be resolved`);
  }
  const bad = addresses.find((address) => isPrivateAddress(address));
  if (bad) {
    throw new MediagateError(
      "invalid_input",
      `url: ${host} resolves to ${bad}, a private or loopback address, which mediagate does not hand on when serving over HTTP; use a public URL (or set MEDIAGATE_ALLOW_PRIVATE_URLS=1 on a trusted network)`,
    );
  }
  return url;
}

const uploadInput = z
  .object({
    file_path: z.string().optional().describe("Local file; or url"),
    url: z.string().optional().describe("Public URL; or file_path"),
    media_type: z.enum(["video", "audio", "image"]).optional().describe("Default: by extension"),
    name: z.string().optional().describe("Default: file name"),
    description: z.string().optional().describe("Description"),
    collection_id: collectionId,
    callback_url: callbackUrl,
    wait_s: waitSeconds,
  })
  .refine((input) => (input.file_path === undefined) !== (input.url === undefined), {
    error: "give exactly one of file_path and url",
    path: ["file_path"],
  });
type UploadInput = z.output<typeof uploadInput>;

/** Where a failed upload left things, said in its error: what exists and what to do. */
function afterFailure(error: unknown, done: string): unknown {
  if (
    !(error instanceof MediagateError) ||
    ["cancelled", "invalid_input", "unconfigured"].includes(error.kind)
  )
    return error;
  return new MediagateError(error.kind, error.message, {
    ...(error.provider === undefined ? {} : { provider: error.provider }),
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.providerMessage === undefined ? {} : { providerMessage: error.providerMessage }),
    remedy: `${done}${error.remedy ? ` ${error.remedy}` : ""}`,
    cause: error,
  });
}

/** Sends the add-media request and names its job: asynchronous as VideoDB mostly answers, or done at once. */
async function addToCollection(
  input: UploadInput,
  url: string,
  name: string | undefined,
  context: ToolContext,
): Promise<{ job: Job; carried: Record<string, string> }> {
  const media_type = input.media_type ?? mediaTypeOf(input.file_path ?? new URL(url).pathname);
  const body = compact({
    url,
    name,
    description: input.description,
    media_type,
    callback_url: input.callback_url,
  });
  let answer: unknown;
  try {
    answer = await sendEndpoint(
      { ...addMedia, envelope: false },
      { collection_id: input.collection_id, ...body },
      context,
    );
  } catch (error) {
    throw afterFailure(
      error,
      input.file_path
        ? "The file reached VideoDB's upload storage, but the request that adds it to the collection failed, so it may or may not have been added: check videodb_list_videos before calling again."
        : "The request that adds the URL to the collection failed and may or may not have been carried out: check videodb_list_videos before calling again.",
    );
  }
  const envelope = asRecord(answer);
  const data = asRecord(envelope.data);
  const collection = input.collection_id;
  if (asString(envelope.status) === "processing" || asString(data.output_url)) {
    const remote = remoteJobId(data, context.client("videodb").config.baseUrl);
    return { job: startedJob("videodb", encodeJobRef("upload", collection, remote), "upload"), carried: {} };
  }
  if (envelope.success === false) {
    throw new MediagateError("rejected", asString(envelope.message) ?? "the upload was refused", {
      provider: "VideoDB",
      remedy: "Nothing was added to the collection; fix the request as the message says.",
    });
  }
  const id = requiredString(data.id, "the media's id", "VideoDB");
  const result = await mediaResult(data, collection, context);
  const job: Job = {
    ...startedJob("videodb", encodeJobRef("media", collection, id), "upload"),
    status: "done",
    progress: 100,
    result,
  };
  delete job.poll_after_ms;
  return { job, carried: {} };
}

async function startUpload(input: UploadInput, context: ToolContext): Promise<{ job: Job; bytes: number }> {
  if (input.url !== undefined) {
    const url = await checkSourceUrl(input.url, context);
    return { ...(await addToCollection(input, url.href, input.name, context)), bytes: 0 };
  }
  const source = await fileSource(input.file_path as string, context);
  try {
    // The SDKs name the media after the file, without its extension (`_upload.py`).
    const name = input.name ?? path.parse(source.name).name;
    let signed: URL;
    try {
      const data = asRecord(
        await sendEndpoint(uploadUrl, { collection_id: input.collection_id, name }, context),
      );
      signed = checkUploadUrl(
        requiredString(data.upload_url, "upload_url", "VideoDB"),
        context.client("videodb").config.baseUrl,
      );
    } catch (error) {
      throw afterFailure(error, "Nothing was uploaded or created.");
    }
    await sendToUploadUrl(signed, source, name, context);
    return { ...(await addToCollection(input, signed.href, name, context)), bytes: source.total };
  } finally {
    await source.close();
  }
}

export const upload = defineProcedure({
  name: "videodb_upload",
  title: "Upload media to VideoDB",
  description:
    "Upload a file or URL (video, audio, image) to VideoDB; storage is billed. Returns a job; result: media id, playable URL.",
  toolset: "videodb",
  see: `${docs}/collection/upload`,
  input: uploadInput,
  output: z.object({ job: jobSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  ui: "player",
  // No `media`: an upload may be a video, an audio or an image; the finished result's `media_type` says which.
  startsJob: true,
  run: async (input, context) => {
    const { job, bytes } = await startUpload(input, context);
    // The wait ends within the call's own bound, however long the file took.
    const left = maxWaitSeconds - (Date.now() - context.startedAt) / 1000;
    const seconds = Math.max(0, Math.min(input.wait_s, Math.floor(left)));
    return { job: await waitWithin(job, seconds, context, { progressBase: bytes }) };
  },
  summary: (result) => describeJob(result.job),
});
