import { createHash, randomUUID } from "node:crypto";
import { createWriteStream, type WriteStream } from "node:fs";
import { unlink } from "node:fs/promises";
import { join } from "node:path";
import { HttpError } from "./errors.js";

/** The part named "file": hashed as it arrives and, when a directory is given, written to a temporary file. */
export interface UploadedFile {
  filename?: string;
  contentType?: string;
  size: number;
  md5: string;
  /** Temporary file holding the bytes; the caller moves it away or it is deleted after the request. */
  tempPath?: string;
}

export interface MultipartBody {
  fields: Record<string, string>;
  file?: UploadedFile;
  /** Every part's name in the order the parts arrived (`file` included), for checks on the wire form. */
  order: string[];
}

export interface MultipartLimits {
  maxFileBytes: number;
  maxFieldBytes: number;
  maxFields: number;
  maxHeaderBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = {
  maxFileBytes: 210 * 1024 * 1024,
  maxFieldBytes: 64 * 1024,
  maxFields: 50,
  maxHeaderBytes: 16 * 1024,
};

export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

interface PartHeaders {
  name?: string;
  filename?: string;
  contentType?: string;
}

function parsePartHeaders(raw: string): PartHeaders {
  const out: PartHeaders = {};
  for (const line of raw.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-type") out.contentType = value;
    if (name !== "content-disposition") continue;
    // Quoted values may contain ";" so parameters are matched one by one rather than split.
    const param = /;\s*([\w*-]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
    for (let m = param.exec(value); m; m = param.exec(value)) {
      const key = m[1]?.toLowerCase();
      const val = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "").trim();
      if (key === "name") out.name = val;
      else if (key === "filename") out.filename = val;
    }
  }
  return out;
}

type Sink =
  | { kind: "field"; name: string; chunks: Buffer[]; size: number }
  | {
      kind: "file";
      info: UploadedFile;
      hash: ReturnType<typeof createHash>;
      out?: WriteStream;
    };

function write(out: WriteStream, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    out.write(chunk, (err) => (err ? reject(err) : resolve()));
  });
}

function finish(out: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    out.once("error", reject);
    out.end(() => resolve());
  });
}

/**
 * Streams a multipart/form-data body. The boundary search keeps only the last (delimiter length - 1)
 * bytes between chunks, so a part of any size passes through in constant memory and a delimiter split
 * across chunks at any byte is still found.
 */
export async function parseMultipart(
  source: AsyncIterable<Buffer>,
  boundary: string,
  fileDir: string | undefined,
  limits: MultipartLimits = DEFAULT_MULTIPART_LIMITS,
): Promise<MultipartBody> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const headerEnd = Buffer.from("\r\n\r\n");
  const result: MultipartBody = { fields: {}, order: [] };
  let fieldCount = 0;
  let state: "preamble" | "afterDelimiter" | "headers" | "body" | "done" = "preamble";
  // The first delimiter is not preceded by CRLF; pretending it is lets one search handle every delimiter.
  let buf: Buffer = Buffer.from("\r\n");
  let sink: Sink | undefined;

  const emit = async (data: Buffer): Promise<void> => {
    if (!sink || data.length === 0) return;
    if (sink.kind === "field") {
      sink.size += data.length;
      if (sink.size > limits.maxFieldBytes)
        throw new HttpError(413, `form field "${sink.name}" is too large`);
      sink.chunks.push(data);
      return;
    }
    sink.info.size += data.length;
    if (sink.info.size > limits.maxFileBytes) {
      throw new HttpError(413, `file part is larger than ${limits.maxFileBytes} bytes`);
    }
    sink.hash.update(data);
    if (sink.out) await write(sink.out, data);
  };

  const closeSink = async (): Promise<void> => {
    if (!sink) return;
    if (sink.kind === "field") {
      result.fields[sink.name] = Buffer.concat(sink.chunks).toString("utf8");
    } else {
      sink.info.md5 = sink.hash.digest("hex");
      if (sink.out) await finish(sink.out);
    }
    sink = undefined;
  };

  const openSink = (headers: PartHeaders): void => {
    const name = headers.name ?? "";
    result.order.push(name);
    if (name === "file") {
      if (result.file) throw new HttpError(400, "only one file part is allowed");
      const info: UploadedFile = { size: 0, md5: "" };
      if (headers.filename !== undefined) info.filename = headers.filename;
      if (headers.contentType !== undefined) info.contentType = headers.contentType;
      result.file = info;
      const next: Sink = { kind: "file", info, hash: createHash("md5") };
      if (fileDir) {
        info.tempPath = join(fileDir, `upload-${randomUUID()}.tmp`);
        next.out = createWriteStream(info.tempPath);
      }
      sink = next;
      return;
    }
    fieldCount += 1;
    if (fieldCount > limits.maxFields) throw new HttpError(413, "too many form fields");
    sink = { kind: "field", name, chunks: [], size: 0 };
  };

  try {
    for await (const chunk of source) {
      // The epilogue after the closing delimiter is read (so the connection stays usable) but ignored.
      if (state === "done") continue;
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      let progressed = true;
      while (progressed && state !== "done") {
        progressed = false;
        if (state === "preamble" || state === "body") {
          const at = buf.indexOf(delimiter);
          if (at < 0) {
            const keep = Math.min(buf.length, delimiter.length - 1);
            if (state === "body") await emit(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
            continue;
          }
          if (state === "body") {
            await emit(buf.subarray(0, at));
            await closeSink();
          }
          buf = buf.subarray(at + delimiter.length);
          state = "afterDelimiter";
          progressed = true;
        } else if (state === "afterDelimiter") {
          if (buf.length < 2) continue;
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            state = "done";
          } else {
            // RFC 2046 allows linear whitespace between the delimiter and its CRLF.
            const eol = buf.indexOf("\r\n");
            if (eol < 0) {
              if (buf.length > 256) throw new HttpError(400, "malformed multipart body");
              continue;
            }
            if (buf.subarray(0, eol).toString("latin1").trim() !== "") {
              throw new HttpError(400, "malformed multipart body");
            }
            buf = buf.subarray(eol + 2);
            state = "headers";
            progressed = true;
          }
        } else if (state === "headers") {
          const at = buf.indexOf(headerEnd);
          if (at < 0) {
            if (buf.length > limits.maxHeaderBytes)
              throw new HttpError(400, "multipart part headers too large");
            continue;
          }
          openSink(parsePartHeaders(buf.subarray(0, at).toString("utf8")));
          buf = buf.subarray(at + headerEnd.length);
          state = "body";
          progressed = true;
        }
      }
    }
    if (state !== "done") throw new HttpError(400, "malformed multipart body: closing boundary missing");
    return result;
  } catch (err) {
    if (sink?.kind === "file" && sink.out) sink.out.destroy();
    if (result.file?.tempPath) await unlink(result.file.tempPath).catch(() => {});
    throw err;
  }
}
