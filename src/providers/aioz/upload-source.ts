import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, open } from "node:fs/promises";
import path from "node:path";
import { MediagateError } from "../../client/errors.js";
import type { StreamBody } from "../../client/provider-client.js";
import { readableFile } from "../../files/roots.js";
import { openUrl } from "../../files/url-source.js";
import type { ToolContext } from "../../tools/operation.js";

/** Largest file mediagate uploads: 50 GiB, far beyond any audio; a bigger file is almost surely a mistake. */
export const maxUploadBytes = 50 * 1024 ** 3;
/** Disk reads per block; with `ringSlots` blocks this is all the memory a file upload reads into. */
const readBlockBytes = 64 * 1024;
/**
 * Blocks a file's bytes are read into, reused in turn. Buffers allocated per read would be garbage that
 * V8 collects only after tens of MiB have piled up; reused ones keep a 512 MiB upload within a few MiB.
 * A block is read into again only 16 blocks later, while the sending side holds at most a few blocks
 * not yet written to the socket (the body stream buffers about one, the socket's write queue pauses the
 * body above 16 KiB); and if that ever failed, the provider's MD5 check of the part would refuse it.
 */
const ringSlots = 16;
/**
 * The block a part is read into to hash it: one buffer, so it can be larger; a part's MD5 then takes 16
 * times fewer reads (hashing 512 MiB from the page cache: 0.89 s → 0.76 s, of which MD5 is 0.7 s).
 */
const hashBlockBytes = 1024 * 1024;

/** One part, ready to send: its byte range, the MD5 of its bytes, and a body that can be sent again. */
export interface Part {
  index: number;
  start: number;
  /** Inclusive, as Content-Range writes it. */
  end: number;
  md5: string;
  bytes(): AsyncIterable<Uint8Array>;
}

/**
 * Where an upload's bytes come from. Parts are asked for in order, each once (a retry re-sends the
 * same Part); at most about one part is held in memory.
 */
export interface PartSource {
  /** A name for a new audio object's default title. */
  name: string;
  total: number;
  part(index: number, size: number, signal: AbortSignal): Promise<Part>;
  close(): Promise<void>;
}

/** A local file, read through a handle opened on the checked file (so it cannot be swapped afterwards). */
export async function fileSource(filePath: string, context: ToolContext): Promise<PartSource> {
  const checked = await readableFile(filePath, context.config.fileRoots, "file_path", maxUploadBytes);
  let handle: FileHandle;
  try {
    handle = await open(checked.path, "r");
  } catch (error) {
    throw new MediagateError(
      "file_access",
      `file_path: "${filePath}" cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const info = await handle.stat();
  if (info.ino !== checked.ino || info.dev !== checked.dev || info.size !== checked.size) {
    await handle.close();
    throw new MediagateError("file_access", `file_path: "${filePath}" changed while it was being checked`);
  }
  const ring = Array.from({ length: ringSlots }, () => Buffer.allocUnsafeSlow(readBlockBytes));
  const hashBlock = Buffer.allocUnsafeSlow(hashBlockBytes);
  let slot = 0;
  async function* blocks(start: number, end: number, into?: Buffer): AsyncGenerator<Buffer> {
    for (let position = start; position <= end; ) {
      const block = into ?? (ring[slot++ % ringSlots] as Buffer);
      const length = Math.min(block.length, end - position + 1);
      const { bytesRead } = await handle.read(block, 0, length, position);
      if (bytesRead === 0) {
        throw new MediagateError(
          "file_access",
          `file_path: "${filePath}" got shorter while it was being uploaded`,
        );
      }
      yield block.subarray(0, bytesRead);
      position += bytesRead;
    }
  }
  return {
    name: path.basename(checked.path),
    total: checked.size,
    async part(index, size) {
      const { start, end } = partRange(index, size, checked.size);
      const hash = createHash("md5");
      for await (const block of blocks(start, end, hashBlock)) hash.update(block);
      return { index, start, end, md5: hash.digest("hex"), bytes: () => blocks(start, end) };
    },
    close: () => handle.close(),
  };
}

/**
 * A `url` source, streamed through: each part is read from the answer into one buffer, hashed and sent
 * from memory, so at most one part is held whatever the size, and nothing lands on disk. Content-Range
 * needs the total size up front: it comes from Content-Length (or Content-Range); a source that sends no
 * length is accepted only when it fits in one part, which is read before anything is created remotely.
 */
export async function urlSource(
  url: string,
  startIndex: number,
  size: number,
  context: ToolContext,
): Promise<PartSource> {
  const offset = startIndex * size;
  const opened = await openUrl(url, {
    allowPrivate: !context.config.http || context.config.allowPrivateUrls,
    offset,
    maxBytes: maxUploadBytes,
    signal: context.signal,
  });
  const reader = new ChunkReader(opened.body);
  const buffer = Buffer.allocUnsafe(size);
  let position = offset;
  let total = opened.total;
  let filled = -1;
  if (total === undefined) {
    // Unknown length: the first part tells whether the source ends within it.
    filled = await reader.fill(buffer, size);
    if (!(await reader.ended())) {
      opened.body.destroy();
      throw new MediagateError(
        "invalid_input",
        `url: the server sends no Content-Length and the file is larger than one part (${size} bytes), so its size cannot be known before uploading; download it and pass file_path, or give a larger chunk_size_bytes`,
      );
    }
    total = offset + filled;
    if (filled === 0) throw new MediagateError("invalid_input", "url: the file is empty");
  }
  const known = total;
  if (offset >= known) {
    opened.body.destroy();
    const parts = Math.ceil(known / size);
    throw new MediagateError(
      "invalid_input",
      `start_index: the file has ${parts} part(s); start_index must be 0-${parts - 1}`,
    );
  }
  return {
    name: opened.name,
    total: known,
    async part(index, partSize) {
      const { start, end } = partRange(index, partSize, known);
      if (start !== position)
        throw new Error(`url parts must be read in order (at ${position}, asked ${start})`);
      const length = end - start + 1;
      const got = filled >= 0 ? filled : await reader.fill(buffer, length);
      filled = -1;
      if (got !== length) {
        throw new MediagateError(
          "bad_response",
          `url: the source ended after ${start + got} of ${known} bytes`,
          { remedy: "The source changed or broke off; try again." },
        );
      }
      position = end + 1;
      const bytes = buffer.subarray(0, length);
      return {
        index,
        start,
        end,
        md5: createHash("md5").update(bytes).digest("hex"),
        async *bytes() {
          for (let at = 0; at < length; at += readBlockBytes) yield bytes.subarray(at, at + readBlockBytes);
        },
      };
    },
    async close() {
      opened.body.destroy();
    },
  };
}

/** The byte range of part `index`, or a clear error when the file has no such part. */
export function partRange(index: number, size: number, total: number): { start: number; end: number } {
  const parts = Math.ceil(total / size);
  if (index >= parts) {
    throw new MediagateError(
      "invalid_input",
      `index: the file has ${parts} part(s) of ${size} bytes; index must be 0-${parts - 1}`,
    );
  }
  const start = index * size;
  return { start, end: Math.min(total, start + size) - 1 };
}

/** Reads an async byte stream into caller-given buffers, keeping what overflows for the next read. */
class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Uint8Array | undefined;
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Fills `target` with up to `length` bytes; fewer only at the end of the stream. */
  async fill(target: Buffer, length: number): Promise<number> {
    let filled = 0;
    while (filled < length) {
      const chunk = await this.next();
      if (!chunk) break;
      const take = Math.min(chunk.byteLength, length - filled);
      target.set(chunk.subarray(0, take), filled);
      filled += take;
      if (take < chunk.byteLength) this.pending = chunk.subarray(take);
    }
    return filled;
  }

  async ended(): Promise<boolean> {
    const chunk = await this.next();
    if (chunk) this.pending = chunk;
    return chunk === undefined;
  }

  private async next(): Promise<Uint8Array | undefined> {
    if (this.pending) {
      const chunk = this.pending;
      this.pending = undefined;
      return chunk;
    }
    if (this.done) return undefined;
    const { value, done } = await this.iterator.next();
    if (done) {
      this.done = true;
      return undefined;
    }
    return value.byteLength === 0 ? this.next() : value;
  }
}

/** A multipart/form-data body (`index`, `hash`, then `file`) whose file bytes stream from the part. */
export function multipartBody(part: Part, filename: string): StreamBody {
  const boundary = `mediagate-${randomBytes(12).toString("hex")}`;
  const field = (name: string, value: string) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    `${field("index", String(part.index))}${field("hash", part.md5)}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + (part.end - part.start + 1) + tail.length,
    async *open() {
      yield head;
      yield* part.bytes();
      yield tail;
    },
  };
}
