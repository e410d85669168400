import { createHash, randomBytes } from "node:crypto";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { cancelledError, MediagateError } from "../../errors.js";
import { readableFile } from "../../files/roots.js";
import { type OpenedUrl, openUrl } from "../../files/url-source.js";
import type { ToolContext } from "../../tools/operation.js";
import type { StreamBody } from "../../types.js";

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
 * One part: its number (from 1, as AIOZ numbers them), its byte range, and its bytes. Each call of
 * `bytes()` reads the part once more from its source (one read per attempt), so nothing of a part is
 * held between attempts.
 */
export interface Part {
  number: number;
  start: number;
  /** Inclusive, as Content-Range writes it. */
  end: number;
  bytes(): AsyncIterable<Uint8Array>;
}

/** Where an upload's bytes come from. Parts are asked for in order; a part is read while it is sent. */
export interface PartSource {
  /** A name for a new audio object's default title. */
  name: string;
  total: number;
  part(number: number, size: number): Part;
  close(): Promise<void>;
}

/** A local file, read through a handle opened on the checked file (so it cannot be swapped afterwards). */
export async function fileSource(filePath: string, context: ToolContext): Promise<PartSource> {
  const checked = await readableFile(
    filePath,
    await context.fileRoots("file_path"),
    "file_path",
    maxUploadBytes,
  );
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
  const blocks = blockReader(
    handle,
    () => `file_path: "${filePath}" got shorter while it was being uploaded`,
  );
  return {
    name: path.basename(checked.path),
    total: checked.size,
    part(number, size) {
      const { start, end } = partRange(number, size, checked.size);
      // A retried attempt reads the part from the file again: the disk is the part's only copy.
      return { number, start, end, bytes: () => blocks(start, end) };
    },
    close: () => handle.close(),
  };
}

/**
 * Reads bytes `start` to `end` (inclusive) of an open file in blocks from a ring of reused buffers; `shorter`
 * says what it means when the file ends first.
 */
function blockReader(
  handle: FileHandle,
  shorter: () => string,
): (start: number, end: number) => AsyncGenerator<Buffer> {
  const ring = Array.from({ length: ringSlots }, () => Buffer.allocUnsafeSlow(readBlockBytes));
  let slot = 0;
  return async function* blocks(start, end) {
    for (let position = start; position <= end; ) {
      const block = ring[slot++ % ringSlots] as Buffer;
      const length = Math.min(block.length, end - position + 1);
      const { bytesRead } = await handle.read(block, 0, length, position);
      if (bytesRead === 0) throw new MediagateError("file_access", shorter());
      yield block.subarray(0, bytesRead);
      position += bytesRead;
    }
  };
}

/**
 * A temporary file (in its own directory under `os.tmpdir()`) holding a `url` source's bytes that must be
 * read before its size is known. On disk rather than in memory: a part may be 200 MB, and several uploads
 * may run at once. `remove()` deletes it; every way out of an upload calls it.
 */
interface Spool {
  /** Bytes written. */
  size: number;
  /** Reads bytes `start` to `end` (inclusive, counted from the spool's first byte). */
  blocks(start: number, end: number): AsyncGenerator<Buffer>;
  remove(): Promise<void>;
}

/** Writes up to `limit` bytes of `reader` to a new spool, holding one chunk of them at a time. */
async function spool(reader: ChunkReader, limit: number): Promise<Spool> {
  const dir = await mkdtemp(path.join(tmpdir(), "mediagate-url-"));
  let handle: FileHandle | undefined;
  const remove = async () => {
    await handle?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const opened = await open(path.join(dir, "source"), "w+", 0o600);
    handle = opened;
    let size = 0;
    while (size < limit) {
      const chunk = await reader.take(limit - size);
      if (!chunk) break;
      for (let done = 0; done < chunk.byteLength; ) {
        const { bytesWritten } = await opened.write(chunk, done, chunk.byteLength - done, size + done);
        done += bytesWritten;
      }
      size += chunk.byteLength;
    }
    const blocks = blockReader(opened, () => "url: the temporary copy of the source got shorter");
    return { size, blocks, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** Where a `url` source's answer stands: the body being read and the byte of the file it is at. */
interface UrlCursor {
  reader: ChunkReader;
  body: OpenedUrl["body"];
  position: number;
  /** The answer failed or ended early: nothing more can be read from it. */
  broken: boolean;
}

/**
 * A `url` source, streamed through: each part's bytes go from the source's answer to the provider as they
 * arrive, so nothing of a part is held and nothing lands on disk. Content-Range needs the total size up
 * front: it comes from Content-Length (or Content-Range); a source that sends no length is accepted only
 * when it fits in one part, which is then read (into memory) before anything is created remotely.
 *
 * A part sent again (a retry after a transient failure) cannot be read from the same answer a second
 * time: the source is asked again from the part's first byte with a Range request. A source that ignores
 * Range cannot give that part again without re-downloading all before it, so the part fails there with
 * the call that resumes the upload from it.
 */
export async function urlSource(
  url: string,
  startNumber: number,
  size: number,
  context: ToolContext,
): Promise<PartSource> {
  const offset = (startNumber - 1) * size;
  const options = {
    allowPrivate: !context.config.http || context.config.allowPrivateUrls,
    ...(context.config.privateUrlOrigins ? { privateOrigins: context.config.privateUrlOrigins } : {}),
    maxBytes: maxUploadBytes,
    signal: context.signal,
  };
  const opened = await openUrl(url, { ...options, offset });
  let cursor: UrlCursor = {
    reader: new ChunkReader(opened.body),
    body: opened.body,
    position: offset,
    broken: false,
  };
  let total = opened.total;
  /** The one part of a source that sent no length, read to learn that it ends within that part. */
  let whole: Spool | undefined;
  if (total === undefined) {
    try {
      whole = await spool(cursor.reader, size);
      if (!(await cursor.reader.ended())) {
        throw new MediagateError(
          "invalid_input",
          `url: the server sends no Content-Length and the file is larger than one part (${size} bytes), so its size cannot be known before uploading; download it and pass file_path, or give a larger chunk_size_bytes`,
        );
      }
      if (whole.size === 0) throw new MediagateError("invalid_input", "url: the file is empty");
    } catch (error) {
      opened.body.destroy();
      await whole?.remove();
      if (context.signal.aborted) throw cancelledError();
      if (error instanceof MediagateError) throw error;
      throw new MediagateError("network", "url: the source broke off before its end", {
        remedy: "Check that the URL is reachable from the server running mediagate, then try again.",
        cause: error,
      });
    }
    total = offset + whole.size;
  }
  const known = total;
  if (offset >= known) {
    opened.body.destroy();
    await whole?.remove();
    const parts = Math.ceil(known / size);
    throw new MediagateError(
      "invalid_input",
      `start_index: the file has ${parts} part(s); start_index must be 1-${parts}`,
    );
  }

  /** The source again from byte `start`, for a part sent a second time. */
  async function reopen(start: number, number: number): Promise<UrlCursor> {
    cursor.body.destroy();
    const again = await openUrl(url, { ...options, offset: start, rangeOnly: start > 0 });
    if (again.total !== undefined && again.total !== known) {
      again.body.destroy();
      throw new MediagateError(
        "bad_response",
        `url: the source now has ${again.total} bytes instead of ${known}, so part ${number} cannot be sent again`,
        { remedy: "The source changed; upload it again from the start." },
      );
    }
    return { reader: new ChunkReader(again.body), body: again.body, position: start, broken: false };
  }

  return {
    name: opened.name,
    total: known,
    part(number, partSize) {
      const { start, end } = partRange(number, partSize, known);
      const length = end - start + 1;
      async function* bytes(): AsyncGenerator<Uint8Array> {
        if (whole) {
          yield* whole.blocks(start - offset, end - offset);
          return;
        }
        // Each attempt reads through its own cursor: an earlier attempt that is still being torn down
        // cannot move this one's position.
        if (cursor.broken || cursor.position !== start) cursor = await reopen(start, number);
        const mine = cursor;
        for (let left = length; left > 0; ) {
          let chunk: Uint8Array | undefined;
          try {
            chunk = await mine.reader.take(left);
          } catch (error) {
            mine.broken = true;
            if (error instanceof MediagateError) throw error;
            chunk = undefined;
          }
          if (!chunk) {
            // The answer broke off before the length it announced: a network failure on the source's
            // side, so the part is sent again from a fresh request (which also notices a changed size).
            mine.broken = true;
            throw new MediagateError(
              "network",
              `url: the source broke off after ${mine.position} of ${known} bytes`,
              { remedy: "Check that the URL is reachable from the server running mediagate, then resume." },
            );
          }
          mine.position += chunk.byteLength;
          left -= chunk.byteLength;
          yield chunk;
        }
      }
      return { number, start, end, bytes };
    },
    async close() {
      cursor.body.destroy();
      await whole?.remove();
    },
  };
}

/** The byte range of part `number` (from 1), or a clear error when the file has no such part. */
export function partRange(number: number, size: number, total: number): { start: number; end: number } {
  const parts = Math.ceil(total / size);
  if (number < 1 || number > parts) {
    throw new MediagateError(
      "invalid_input",
      `index: the file has ${parts} part(s) of ${size} bytes; index must be 1-${parts}`,
    );
  }
  const start = (number - 1) * size;
  return { start, end: Math.min(total, start + size) - 1 };
}

/** Reads an async byte stream in pieces of at most a given size, keeping what overflows for the next read. */
class ChunkReader {
  private readonly iterator: AsyncIterator<Uint8Array>;
  private pending: Uint8Array | undefined;
  private done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** The next bytes of the stream, at most `max` of them (the rest kept); undefined at its end. */
  async take(max: number): Promise<Uint8Array | undefined> {
    const chunk = await this.next();
    if (!chunk || chunk.byteLength <= max) return chunk;
    this.pending = chunk.subarray(max);
    return chunk.subarray(0, max);
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

/**
 * The multipart/form-data body of one part, in the official Go client's order: `file` first, then `hash`
 * and `index` (aioz-stream-go-client `client.go`, `prepareRangeRequests`: `CreateFormFile("file")`,
 * `io.MultiWriter(partWriter, hash)`, then `WriteField("hash")`, `WriteField("index", strconv.Itoa(part))`).
 * The MD5 is computed while the bytes stream, so each attempt reads the part exactly once and holds none
 * of it; the length is still known up front (an MD5 in hex is 32 characters).
 */
export function multipartBody(part: Part, filename: string): StreamBody {
  const boundary = `mediagate-${randomBytes(12).toString("hex")}`;
  const field = (name: string, value: string) =>
    `\r\n--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${encodeURIComponent(filename)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = (md5: string) =>
    Buffer.from(`${field("hash", md5)}${field("index", String(part.number))}\r\n--${boundary}--\r\n`);
  const size = part.end - part.start + 1;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + size + tail("0".repeat(32)).length,
    async *open() {
      const hash = createHash("md5");
      yield head;
      let sent = 0;
      for await (const chunk of part.bytes()) {
        hash.update(chunk);
        sent += chunk.byteLength;
        yield chunk;
      }
      // Content-Length was promised: a source that gave other than the part's size must not pass as whole.
      if (sent !== size) {
        throw new MediagateError("file_access", `part ${part.number}: read ${sent} bytes, expected ${size}`);
      }
      yield tail(hash.digest("hex"));
    },
  };
}
