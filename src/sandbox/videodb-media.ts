// Media the VideoDB emulator's workflows hand out beyond streams and audio: generated images as real
// PNG files, and what it can tell of an uploaded file from its first bytes.

import { open } from "node:fs/promises";
import { crc32, deflateSync } from "node:zlib";
import { SANDBOX_NOTE } from "./media.js";

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A truecolour PNG of `width` × `height`: a gradient whose hues follow `seed`, with a text chunk saying
 * where it comes from. Rows are filtered with "None" and deflated by node:zlib, as the format asks.
 */
export function gradientPng(width: number, height: number, seed: string): Buffer {
  let hash = 0;
  for (const char of seed) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  const [r0, g0, b0] = [hash & 0xff, (hash >> 8) & 0xff, (hash >> 16) & 0xff];
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const at = row + 1 + x * 3;
      rows[at] = (r0 + (x * 255) / width) & 0xff;
      rows[at + 1] = (g0 + (y * 255) / height) & 0xff;
      rows[at + 2] = (b0 + ((x + y) * 128) / (width + height)) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk(
      "tEXt",
      Buffer.from(`Comment\0${SANDBOX_NOTE}: generated placeholder for "${seed.slice(0, 200)}"`, "latin1"),
    ),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export type MediaType = "video" | "audio" | "image";

/** What an uploaded file is, from its first bytes; undefined when they do not say. */
export function sniffMedia(head: Buffer): { mediaType: MediaType; mimeType: string } | undefined {
  const ascii = (from: number, to: number) => head.toString("latin1", from, to);
  if (head[0] === 0x89 && ascii(1, 4) === "PNG") return { mediaType: "image", mimeType: "image/png" };
  if (head[0] === 0xff && head[1] === 0xd8) return { mediaType: "image", mimeType: "image/jpeg" };
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WAVE") return { mediaType: "audio", mimeType: "audio/wav" };
  if (ascii(0, 3) === "ID3") return { mediaType: "audio", mimeType: "audio/mpeg" };
  if (ascii(4, 8) === "ftyp") {
    const brand = ascii(8, 12);
    return brand.startsWith("M4A")
      ? { mediaType: "audio", mimeType: "audio/mp4" }
      : { mediaType: "video", mimeType: "video/mp4" };
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3)
    return { mediaType: "video", mimeType: "video/webm" };
  return undefined;
}

/** The first and last MiB of a file: where an MP4 keeps its `moov` box. */
export async function fileEnds(path: string, size: number): Promise<{ head: Buffer; tail: Buffer }> {
  const handle = await open(path, "r");
  try {
    const span = Math.min(size, 1024 * 1024);
    const head = Buffer.alloc(span);
    await handle.read(head, 0, span, 0);
    const tail = Buffer.alloc(span);
    await handle.read(tail, 0, span, size - span);
    return { head, tail };
  } finally {
    await handle.close();
  }
}

/** An MP4's duration in seconds from its `mvhd` box, when `bytes` hold it. */
export function mp4DurationSec(bytes: Buffer): number | undefined {
  const at = bytes.indexOf("mvhd", 0, "latin1");
  if (at < 0 || at + 28 > bytes.length) return undefined;
  const version = bytes[at + 4];
  if (version === 1) {
    if (at + 36 > bytes.length) return undefined;
    const timescale = bytes.readUInt32BE(at + 24);
    const duration = Number(bytes.readBigUInt64BE(at + 28));
    return timescale > 0 ? duration / timescale : undefined;
  }
  const timescale = bytes.readUInt32BE(at + 16);
  const duration = bytes.readUInt32BE(at + 20);
  return timescale > 0 && duration > 0 ? duration / timescale : undefined;
}
