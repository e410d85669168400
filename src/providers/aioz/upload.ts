import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { MediagateError } from "../../client/errors.js";
import type { StreamBody } from "../../client/provider-client.js";
import { readableFile } from "../../files/roots.js";
import { describeJob, jobSchema } from "../../jobs/job.js";
import { startedJob, waitSeconds, waitWithin } from "../../jobs/wait.js";
import { defineOperation, type Operation, type ToolContext } from "../../tools/operation.js";
import { asRecord, asString } from "../envelope.js";
import { audioId, audioSchema, metadata, quality, tags, toAudio } from "./schemas.js";

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
  .describe("Part size in bytes; default 50 MiB. AIOZ needs 50-200 MB per part except the last");

/** The MD5 (hex) of a byte range of a file, read as a stream. */
async function md5OfRange(file: string, start: number, end: number, signal: AbortSignal): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(file, { start, end, signal })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** A multipart/form-data body (`index`, `hash`, `file`) whose file bytes stream from disk. */
function multipartPart(file: string, start: number, end: number, index: number, hash: string): StreamBody {
  const boundary = `mediagate-${randomBytes(12).toString("hex")}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    `${field("index", String(index))}${field("hash", hash)}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(path.basename(file))}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + (end - start + 1) + tail.length,
    async *open() {
      yield head;
      for await (const chunk of createReadStream(file, { start, end })) yield chunk as Buffer;
      yield tail;
    },
  };
}

/** Uploads part `index` of a local file: its MD5, its Content-Range, streamed from disk. */
async function uploadPart(
  context: ToolContext,
  audio: string,
  file: { path: string; size: number },
  index: number,
  size: number,
): Promise<number> {
  const start = index * size;
  if (start >= file.size) {
    const parts = Math.ceil(file.size / size);
    throw new MediagateError(
      "invalid_input",
      `index: the file has ${parts} part(s) of ${size} bytes; index must be 0-${parts - 1}`,
    );
  }
  const end = Math.min(file.size, start + size) - 1;
  const hash = await md5OfRange(file.path, start, end, context.signal);
  await context.client("aioz").send({
    method: "POST",
    path: `/media/${encodeURIComponent(audio)}/part`,
    headers: { "content-range": `bytes ${start}-${end}/${file.size}` },
    stream: multipartPart(file.path, start, end, index, hash),
    // Sending the same index again replaces it: a failed part may be retried on its own.
    safe: true,
    timeoutMs: partTimeoutMs,
    signal: context.signal,
  });
  return end - start + 1;
}

const uploadAudioPart = defineOperation({
  name: "aioz_upload_audio_part",
  title: "Upload one part of an audio file",
  description:
    "Upload part `index` of a local file (within MEDIAGATE_FILE_ROOTS) to an AIOZ audio object. Parts go in order from 0; then call aioz_complete_audio_upload.",
  toolset: "aioz",
  see: `${docs}#upload-audio-part`,
  route: "POST /media/{audio_id}/part",
  input: z.object({
    audio_id: audioId,
    file_path: z.string().min(1).describe("Local file path, inside MEDIAGATE_FILE_ROOTS"),
    index: z.int().min(0).describe("Part index, from 0"),
    chunk_size_bytes: chunkSize,
  }),
  output: z.object({ audio_id: z.string(), index: z.number(), bytes: z.number() }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  run: async (input, context) => {
    const file = await readableFile(input.file_path, context.config.fileRoots);
    const size = input.chunk_size_bytes ?? defaultChunkSize;
    const bytes = await uploadPart(context, input.audio_id, file, input.index, size);
    return { audio_id: input.audio_id, index: input.index, bytes };
  },
  summary: (result) => `Uploaded part ${result.index} (${result.bytes} bytes) of audio ${result.audio_id}.`,
});

const uploadAudio = defineOperation({
  name: "aioz_upload_audio",
  title: "Upload an audio file to AIOZ",
  description:
    "Upload a local audio file in one call: create the audio object (unless audio_id is given), send every part, complete, and return the transcoding job (waits up to wait_s). Resume a failed upload with audio_id and start_index.",
  toolset: "aioz",
  see: `${docs}#upload-audio-part`,
  input: z
    .object({
      file_path: z.string().min(1).optional().describe("Local file path, inside MEDIAGATE_FILE_ROOTS"),
      title: z
        .string()
        .trim()
        .min(1)
        .optional()
        .describe("Title for a new audio object; default the file name"),
      audio_id: audioId.optional().describe("Existing audio object to upload into (to resume)"),
      description: z.string().optional().describe("Description for a new audio object"),
      is_public: z.boolean().optional().describe("Public; default true"),
      metadata: metadata.optional(),
      tags: tags.optional(),
      qualities: z.array(quality).min(1).optional().describe("Transcoding outputs; default the provider's"),
      chunk_size_bytes: chunkSize,
      start_index: z.int().min(0).default(0).describe("First part to send, to resume; default 0"),
      wait_s: waitSeconds,
    })
    .refine((input) => input.file_path !== undefined, {
      error: "file_path is required",
      path: ["file_path"],
    }),
  output: z.object({ audio: audioSchema, job: jobSchema }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  run: async (input, context) => {
    const file = await readableFile(input.file_path as string, context.config.fileRoots);
    const size = input.chunk_size_bytes ?? defaultChunkSize;
    const parts = Math.ceil(file.size / size);
    if (input.start_index >= parts) {
      throw new MediagateError(
        "invalid_input",
        `start_index: the file has ${parts} part(s); start_index must be 0-${parts - 1}`,
      );
    }
    const client = context.client("aioz");
    let audio = input.audio_id;
    if (!audio) {
      const created = await client.send({
        method: "POST",
        path: "/media/create",
        json: {
          type: "audio",
          title: input.title ?? path.basename(file.path),
          ...(input.description === undefined ? {} : { description: input.description }),
          ...(input.is_public === undefined ? {} : { is_public: input.is_public }),
          ...(input.metadata ? { metadata: input.metadata } : {}),
          ...(input.tags ? { tags: input.tags } : {}),
          ...(input.qualities ? { qualities: input.qualities } : {}),
        },
        signal: context.signal,
      });
      audio = asString(asRecord(created).id);
      if (!audio)
        throw new MediagateError("bad_response", "answered without an audio id", { provider: "AIOZ Stream" });
    }
    let sent = input.start_index * size;
    for (let index = input.start_index; index < parts; index++) {
      sent += await uploadPart(context, audio, file, index, size);
      await context.progress(sent, file.size, `part ${index + 1} of ${parts} uploaded`);
    }
    await client.send({
      method: "GET",
      path: `/media/${encodeURIComponent(audio)}/complete`,
      signal: context.signal,
    });
    const job = await waitWithin(startedJob("aioz", audio, "transcode"), input.wait_s, context);
    const detail = await client.send({
      method: "GET",
      path: `/media/${encodeURIComponent(audio)}`,
      signal: context.signal,
    });
    return { audio: toAudio(detail), job };
  },
  summary: (result) => `Uploaded audio ${result.audio.id}. ${describeJob(result.job)}`,
});

export const uploadOperations: Operation[] = [uploadAudioPart, uploadAudio];
