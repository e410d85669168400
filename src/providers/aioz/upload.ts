import { z } from "zod";
import { MediagateError } from "../../errors.js";
import { describeJob, type Job, jobSchema, parseJobId } from "../../jobs/job.js";
import { startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { sendEndpoint } from "../../tools/execute.js";
import { defineProcedure, type Endpoint, type ToolContext } from "../../tools/operation.js";
import { asRecord, asString } from "../envelope.js";
import { completeUpload, createAudio, getAudio } from "./operations.js";
import { audioId, audioSchema, maxTitleLength, qualities, title, toAudio } from "./schemas.js";
import {
  fileSource,
  multipartBody,
  type Part,
  type PartSource,
  partRange,
  urlSource,
} from "./upload-source.js";

const docs = "https://docs.aiozstream.network/api-reference/media/audio";

export const defaultChunkSize = 50 * 1024 * 1024;
const maxChunkSize = 200 * 1000 * 1000;
/** Each part gets its own generous limit: 200 MB on a slow link takes minutes. */
const partTimeoutMs = 10 * 60 * 1000;

const chunkSize = z
  .int()
  .min(1024)
  .max(maxChunkSize)
  .optional()
  .describe("Part bytes, 1024 to 200 MB; default 50 MiB");

const filePath = z.string().min(1).describe("Local file path");

/** The file's name as a title, within AIOZ's title limit. */
const defaultTitle = (name: string) => [...name].slice(0, maxTitleLength).join("");

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * One part (from 1): its bytes streamed, its MD5 computed on the way, its Content-Range. The same number
 * sent again replaces it, so a failed part is retried on its own (read once more).
 */
const uploadPart: Endpoint<{ audio_id: string; part: Part; source: PartSource }> = {
  provider: "aioz",
  route: "POST /media/{audio_id}/part",
  safeToRetry: true,
  timeoutMs: partTimeoutMs,
  request: ({ part, source }) => ({
    headers: { "content-range": `bytes ${part.start}-${part.end}/${source.total}` },
    stream: multipartBody(part, source.name),
  }),
};

async function sendPart(
  context: ToolContext,
  audio: string,
  source: PartSource,
  number: number,
  size: number,
): Promise<number> {
  const part = source.part(number, size);
  await sendEndpoint(uploadPart, { audio_id: audio, part, source }, context);
  return part.end - part.start + 1;
}

/** How the caller picks the upload up again from a failed part. */
interface ResumeHint {
  audio: string;
  /** The source as the caller named it: `file_path` or `url` with its value. */
  source: Record<string, string>;
  chunkSize: number;
}

/** A part that failed after its retries: the same error, naming the part and how to resume from it. */
function partFailed(error: unknown, number: number, parts: number, hint: ResumeHint): unknown {
  if (!(error instanceof MediagateError) || error.kind === "cancelled") return error;
  const done =
    number === 1
      ? "No part is uploaded yet"
      : number === 2
        ? "Part 1 is uploaded"
        : `Parts 1-${number - 1} are uploaded`;
  const resume = {
    audio_id: hint.audio,
    ...hint.source,
    start_index: number,
    ...(hint.chunkSize === defaultChunkSize ? {} : { chunk_size_bytes: hint.chunkSize }),
  };
  const what = `part ${number} of ${parts} failed`;
  return new MediagateError(error.kind, `${what}: ${error.message}`, {
    ...(error.provider === undefined ? {} : { provider: error.provider }),
    ...(error.status === undefined ? {} : { status: error.status }),
    providerMessage: `${what}: ${error.providerMessage ?? error.message}`,
    remedy: `${done}. Resume with aioz_upload_audio ${JSON.stringify(resume)}.${error.remedy ? ` ${error.remedy}` : ""}`,
    cause: error,
  });
}

/** Sends parts `from`.. (numbered from 1) in order, reporting progress in bytes after each. */
async function sendParts(
  context: ToolContext,
  audio: string,
  source: PartSource,
  size: number,
  from: number,
  hint: ResumeHint,
): Promise<void> {
  const parts = Math.ceil(source.total / size);
  let sent = (from - 1) * size;
  for (let number = from; number <= parts; number++) {
    try {
      sent += await sendPart(context, audio, source, number, size);
    } catch (error) {
      throw partFailed(error, number, parts, hint);
    }
    await context.progress(
      sent,
      source.total,
      `part ${number} of ${parts} uploaded (${mib(sent)} of ${mib(source.total)})`,
    );
  }
}

/*
 * Parts are numbered from 1 on the wire, as both official clients send them (aioz-stream-go-client
 * `client.go`: `for part := 1; part <= partsCount; part++` … `WriteField("index", strconv.Itoa(part))`, "1"
 * for a single part; aioz-stream-nodejs-client `src/api/MediaApi.ts`: `for (let part = 1; …)`,
 * `append('index', '1')`), not from 0 as the document's curl example shows. The tools' `index` and
 * `start_index` are that same number, so what an agent reads, sends and resumes with is what goes out.
 */
const partNumber = z.int().min(1);

export const uploadAudioPart = defineProcedure({
  name: "aioz_upload_audio_part",
  title: "Upload one part of an audio file",
  description:
    "Upload part `index` of a local file into an audio object; parts go in order, then aioz_complete_audio_upload. aioz_upload_audio does it all.",
  toolset: "aioz",
  see: `${docs}#upload-audio-part`,
  input: z.object({
    audio_id: audioId,
    file_path: filePath,
    index: partNumber.describe("Part number, from 1"),
    chunk_size_bytes: chunkSize,
  }),
  output: z.object({ audio_id: z.string(), index: z.number(), bytes: z.number() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  run: async (input, context) => {
    const source = await fileSource(input.file_path, context);
    try {
      const size = input.chunk_size_bytes ?? defaultChunkSize;
      partRange(input.index, size, source.total);
      const bytes = await sendPart(context, input.audio_id, source, input.index, size);
      return { audio_id: input.audio_id, index: input.index, bytes };
    } finally {
      await source.close();
    }
  },
  summary: (result) => `Uploaded part ${result.index} (${result.bytes} bytes) of audio ${result.audio_id}.`,
});

const uploadInput = z
  .object({
    file_path: filePath.optional().describe("Local file; or url"),
    url: z.string().min(1).optional().describe("http(s) URL; or file_path"),
    title: title.optional().describe(`Title, ≤${maxTitleLength} chars; default the file name`),
    audio_id: audioId.optional().describe("Audio to fill (aioz_create_audio) or resume; ≤128 chars"),
    qualities: qualities.optional().describe("Transcoding outputs; default the provider's"),
    chunk_size_bytes: chunkSize,
    start_index: partNumber.default(1).describe("Resume from this part; default 1"),
    wait_s: waitSeconds,
  })
  .refine((input) => (input.file_path === undefined) !== (input.url === undefined), {
    error: "give exactly one of file_path and url",
    path: ["file_path"],
  })
  .refine((input) => input.start_index === 1 || input.audio_id !== undefined, {
    error: "start_index needs the audio_id of the upload being resumed",
    path: ["start_index"],
  });
type UploadInput = z.output<typeof uploadInput>;

/** An upload that has its source open and its audio object: what is left is parts, then complete. */
interface PreparedUpload {
  audio: string;
  source: PartSource;
  size: number;
  hint: ResumeHint;
}

/**
 * Everything that can fail without a remote trace comes first (the file or URL checked and opened, the
 * start index checked against its size); only then is the audio object created.
 */
async function prepareUpload(input: UploadInput, context: ToolContext): Promise<PreparedUpload> {
  const size = input.chunk_size_bytes ?? defaultChunkSize;
  const source = input.url
    ? await urlSource(input.url, input.start_index, size, context)
    : await fileSource(input.file_path as string, context);
  try {
    const parts = Math.ceil(source.total / size);
    if (input.start_index > parts) {
      throw new MediagateError(
        "invalid_input",
        `start_index: the file has ${parts} part(s) of ${size} bytes; start_index must be 1-${parts}`,
      );
    }
    let audio = input.audio_id;
    if (!audio) {
      const created = await sendEndpoint(
        createAudio,
        {
          title: input.title ?? defaultTitle(source.name),
          qualities: input.qualities,
        },
        context,
      );
      audio = asString(asRecord(created).id);
      if (!audio) {
        throw new MediagateError("bad_response", "answered without an audio id", { provider: "AIOZ Stream" });
      }
    }
    const named: Record<string, string> = input.url
      ? { url: input.url }
      : { file_path: input.file_path as string };
    return { audio, source, size, hint: { audio, source: named, chunkSize: size } };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** Sends the remaining parts and completes the upload, which starts transcoding; always closes the source. */
async function finishUpload(upload: PreparedUpload, from: number, context: ToolContext): Promise<Job> {
  try {
    await sendParts(context, upload.audio, upload.source, upload.size, from, upload.hint);
  } finally {
    await upload.source.close();
  }
  await sendEndpoint(completeUpload, { audio_id: upload.audio }, context);
  return startedJob("aioz", upload.audio, "transcode");
}

async function uploadResult(audio: string, job: Job, context: ToolContext) {
  const detail = await sendEndpoint(getAudio, { audio_id: audio }, context);
  return { audio: toAudio(detail), job };
}

export const uploadAudio = defineProcedure({
  name: "aioz_upload_audio",
  ui: "player",
  media: "audio",
  title: "Upload an audio file to AIOZ",
  description:
    "Upload a file_path or url: create the audio (unless audio_id), send every part, complete; returns the job. For tags or metadata, create it with aioz_create_audio first.",
  toolset: "aioz",
  see: `${docs}#upload-audio-part`,
  input: uploadInput,
  output: z.object({ audio: audioSchema, job: jobSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  run: async (input, context) => {
    const upload = await prepareUpload(input, context);
    const started = await finishUpload(upload, input.start_index, context);
    const job = await waitWithin(started, input.wait_s, context, { progressBase: upload.source.total });
    return uploadResult(upload.audio, job, context);
  },
  // As a task: the audio object exists before the task is answered; the parts follow in the background.
  startsJob: {
    async start(raw, context) {
      const input = raw as UploadInput;
      const upload = await prepareUpload(input, context);
      return {
        job: startedJob("aioz", upload.audio, "transcode"),
        carried: {},
        rest: (background) => finishUpload(upload, input.start_index, background),
      };
    },
    result: (job, _carried, context) => uploadResult(parseJobId(job.id).remoteId, job, context),
  },
  summary: (result) => `Uploaded audio ${result.audio.id}. ${describeJob(result.job)}`,
});
