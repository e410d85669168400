// Media the sandbox generates so that every URL it hands out opens in a real player. None of it pretends
// to be the provider's output: WAV and FLAC files carry tones, MP3 files are silent frames, and every
// playlist, manifest and page says it comes from the mediagate sandbox.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export const SANDBOX_NOTE = "mediagate sandbox";

/** A stretch of sine tone; 0 Hz is silence. */
export interface Tone {
  durationSec: number;
  frequencyHz: number;
}

const FADE_SEC = 0.005;
const AMPLITUDE = 0.3 * 32767;

/** Mono 16-bit PCM; short fades at each tone's edges keep the joins from clicking. */
export function renderTones(tones: readonly Tone[], sampleRate: number): Int16Array {
  const total = tones.reduce((sum, tone) => sum + Math.round(tone.durationSec * sampleRate), 0);
  const samples = new Int16Array(total);
  const fade = Math.max(1, Math.round(FADE_SEC * sampleRate));
  let offset = 0;
  for (const tone of tones) {
    const count = Math.round(tone.durationSec * sampleRate);
    if (tone.frequencyHz > 0) {
      const step = (2 * Math.PI * tone.frequencyHz) / sampleRate;
      for (let i = 0; i < count; i++) {
        const envelope = Math.min(1, i / fade, (count - 1 - i) / fade);
        samples[offset + i] = Math.round(Math.sin(i * step) * AMPLITUDE * envelope);
      }
    }
    offset += count;
  }
  return samples;
}

const SECONDS_PER_CHARACTER = 0.06;
const MAX_SPOKEN_SEC = 300;

/**
 * Stands in for speech: one beep per word, as long as the word, with pauses between words and longer
 * ones after punctuation, so the length follows the text the way a voice would.
 */
export function textTones(text: string): Tone[] {
  const tones: Tone[] = [];
  let total = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const letters = word.replace(/[\p{P}\p{S}]/gu, "") || word;
    const digest = createHash("md5").update(word.toLowerCase()).digest();
    const beep = {
      durationSec: Math.max(0.12, letters.length * SECONDS_PER_CHARACTER),
      frequencyHz: 220 + (digest.readUInt16BE(0) % 330),
    };
    const pause = {
      durationSec: /[.!?。！？]$/u.test(word) ? 0.35 : /[,;:，、]$/u.test(word) ? 0.2 : 0.08,
      frequencyHz: 0,
    };
    if (total + beep.durationSec + pause.durationSec > MAX_SPOKEN_SEC) break;
    tones.push(beep, pause);
    total += beep.durationSec + pause.durationSec;
  }
  return tones.length > 0 ? tones : [{ durationSec: 0.5, frequencyHz: 0 }];
}

export function tonesDuration(tones: readonly Tone[], sampleRate: number): number {
  return tones.reduce((sum, tone) => sum + Math.round(tone.durationSec * sampleRate), 0) / sampleRate;
}

/** RIFF/WAVE, PCM, mono, 16-bit little-endian. */
export function wavFile(samples: Int16Array, sampleRate: number): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(44 + dataBytes);
  out.write("RIFF", 0, "ascii");
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write("WAVE", 8, "ascii");
  out.write("fmt ", 12, "ascii");
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28); // byte rate
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write("data", 36, "ascii");
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, 44 + i * 2);
  return out;
}

class BitWriter {
  private readonly bytes: number[] = [];
  private current = 0;
  private filled = 0;

  /** Values wider than 24 bits are written in pieces to stay clear of 32-bit bitwise arithmetic. */
  bits(value: number, width: number): this {
    if (width > 24) {
      const high = Math.floor(value / 2 ** 24);
      this.bits(high, width - 24);
      return this.bits(value - high * 2 ** 24, 24);
    }
    for (let i = width - 1; i >= 0; i--) {
      this.current = (this.current << 1) | ((value >>> i) & 1);
      this.filled += 1;
      if (this.filled === 8) {
        this.bytes.push(this.current);
        this.current = 0;
        this.filled = 0;
      }
    }
    return this;
  }

  buffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

function crc8(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** FLAC's frame numbers use the UTF-8 byte pattern, extended to 36 bits. */
function flacUtf8(value: number): number[] {
  if (value < 0x80) return [value];
  const bytes: number[] = [];
  let rest = value;
  let lead = 0x80;
  let room = 0x3f;
  do {
    bytes.unshift(0x80 | (rest & 0x3f));
    rest = Math.floor(rest / 64);
    lead = (lead >> 1) | 0x80;
    room >>= 1;
  } while (rest > room);
  bytes.unshift(lead | rest);
  return bytes;
}

const FLAC_RATE_CODES: Record<number, number> = {
  88200: 1,
  176400: 2,
  192000: 3,
  8000: 4,
  16000: 5,
  22050: 6,
  24000: 7,
  32000: 8,
  44100: 9,
  48000: 10,
  96000: 11,
};

/** A real, lossless FLAC stream that stores the samples verbatim (no prediction), mono 16-bit. */
export function flacFile(samples: Int16Array, sampleRate: number): Buffer {
  const blockSize = 4096;
  const pcm = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) pcm.writeInt16LE(samples[i] ?? 0, i * 2);
  const streamInfo = new BitWriter()
    .bits(1, 1) // last metadata block
    .bits(0, 7) // STREAMINFO
    .bits(34, 24)
    .bits(blockSize, 16)
    .bits(blockSize, 16)
    .bits(0, 24) // frame sizes unknown
    .bits(0, 24)
    .bits(sampleRate, 20)
    .bits(0, 3) // one channel
    .bits(15, 5) // 16 bits per sample
    .bits(samples.length, 36)
    .buffer();
  const parts: Buffer[] = [Buffer.from("fLaC", "ascii"), streamInfo, createHash("md5").update(pcm).digest()];
  const rateCode = FLAC_RATE_CODES[sampleRate] ?? 0;
  for (let frame = 0, start = 0; start < samples.length; frame++, start += blockSize) {
    const count = Math.min(blockSize, samples.length - start);
    const header = Buffer.from([
      0xff,
      0xf8, // sync, fixed block size
      (0b0111 << 4) | rateCode, // block size follows as 16 bits
      0b0000_100_0, // mono, 16 bits per sample
      ...flacUtf8(frame),
      ((count - 1) >> 8) & 0xff,
      (count - 1) & 0xff,
    ]);
    const body = Buffer.alloc(1 + count * 2);
    body[0] = 0b0_000001_0; // verbatim subframe, no wasted bits
    for (let i = 0; i < count; i++) body.writeInt16BE(samples[start + i] ?? 0, 1 + i * 2);
    const frameBytes = Buffer.concat([header, Buffer.from([crc8(header)]), body]);
    const footer = Buffer.alloc(2);
    footer.writeUInt16BE(crc16(frameBytes));
    parts.push(frameBytes, footer);
  }
  return Buffer.concat(parts);
}

function syncsafe(value: number): Buffer {
  return Buffer.from([(value >> 21) & 0x7f, (value >> 14) & 0x7f, (value >> 7) & 0x7f, value & 0x7f]);
}

function id3Frame(id: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(id, "ascii"), syncsafe(data.length), Buffer.alloc(2), data]);
}

function id3Tag(frames: Buffer[]): Buffer {
  const body = Buffer.concat(frames);
  return Buffer.concat([Buffer.from([0x49, 0x44, 0x33, 4, 0, 0]), syncsafe(body.length), body]);
}

const MP3_SAMPLE_RATE = 44100;
const MP3_SAMPLES_PER_FRAME = 1152;
const MP3_BITRATE = 32000;

/**
 * Silent MPEG-1 Layer III, 32 kbit/s, 44.1 kHz mono. Writing a real encoder is out of scope; a frame
 * whose side information is all zero carries no spectral data and decodes to silence in every player.
 * With `timestampSec` the file is an HLS packed-audio segment: its ID3 tag carries the
 * transportStreamTimestamp that HLS requires at the start of such a segment.
 */
export function silentMp3(
  durationSec: number,
  options: { title?: string; timestampSec?: number } = {},
): Buffer {
  const frames: Buffer[] = [];
  if (options.title !== undefined) {
    frames.push(id3Frame("TIT2", Buffer.concat([Buffer.from([3]), Buffer.from(options.title, "utf8")])));
  }
  if (options.timestampSec !== undefined) {
    const pts = Buffer.alloc(8);
    pts.writeBigUInt64BE(BigInt(Math.round(options.timestampSec * 90000)) & 0x1ffffffffn);
    frames.push(
      id3Frame("PRIV", Buffer.concat([Buffer.from("com.apple.streaming.transportStreamTimestamp\0"), pts])),
    );
  }
  const parts: Buffer[] = frames.length > 0 ? [id3Tag(frames)] : [];
  const count = Math.max(1, Math.round((durationSec * MP3_SAMPLE_RATE) / MP3_SAMPLES_PER_FRAME));
  const exact = (144 * MP3_BITRATE) / MP3_SAMPLE_RATE;
  let carried = 0;
  for (let i = 0; i < count; i++) {
    // Padding bytes on some frames keep the average bitrate exact, as an encoder would.
    carried += exact - Math.floor(exact);
    const padding = carried >= 1 ? 1 : 0;
    carried -= padding;
    const frame = Buffer.alloc(Math.floor(exact) + padding);
    frame[0] = 0xff;
    frame[1] = 0xfb; // MPEG-1, Layer III, no CRC
    frame[2] = (0b0001 << 4) | (0b00 << 2) | (padding << 1); // 32 kbit/s, 44.1 kHz
    frame[3] = 0b11 << 6; // mono
    parts.push(frame);
  }
  return Buffer.concat(parts);
}

export interface HlsSegment {
  url: string;
  durationSec: number;
}

/** A VOD media playlist. Lines starting with "#" but not "#EXT" are comments to HLS players. */
export function hlsPlaylist(segments: readonly HlsSegment[], note: string): string {
  const target = Math.max(1, ...segments.map((segment) => Math.ceil(segment.durationSec)));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-TARGETDURATION:${target}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    `# ${SANDBOX_NOTE}: ${note.replace(/[\r\n]+/g, " ")}`,
  ];
  for (const segment of segments) lines.push(`#EXTINF:${segment.durationSec.toFixed(3)},`, segment.url);
  lines.push("#EXT-X-ENDLIST", "");
  return lines.join("\n");
}

/** Splits [start, end) ranges into segments no longer than `maxSec`. */
export function splitIntoSegments(
  ranges: ReadonlyArray<readonly [number, number]>,
  maxSec: number,
): number[] {
  const out: number[] = [];
  for (const [start, end] of ranges) {
    for (let at = start; at < end - 1e-9; at += maxSec) out.push(Math.min(maxSec, end - at));
  }
  return out;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface DashOptions {
  durationSec: number;
  mediaUrl: string;
  mimeType: string;
  bandwidth: number;
  note: string;
  lang?: string;
}

/** A static single-representation MPD whose one segment is the media file at `mediaUrl`. */
export function dashManifest(options: DashOptions): string {
  const duration = `PT${Math.max(0, options.durationSec).toFixed(3)}S`;
  const lang = options.lang ? ` lang="${xmlEscape(options.lang)}"` : "";
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- ${SANDBOX_NOTE}: ${xmlEscape(options.note).replace(/--/g, "- -")} -->`,
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="static" profiles="urn:mpeg:dash:profile:full:2011" minBufferTime="PT2S" mediaPresentationDuration="${duration}">`,
    `  <Period id="0" start="PT0S" duration="${duration}">`,
    `    <AdaptationSet id="0" contentType="audio" mimeType="${xmlEscape(options.mimeType)}"${lang} segmentAlignment="true">`,
    `      <Representation id="source" bandwidth="${Math.max(1, Math.round(options.bandwidth))}">`,
    `        <BaseURL>${xmlEscape(options.mediaUrl)}</BaseURL>`,
    "      </Representation>",
    "    </AdaptationSet>",
    "  </Period>",
    "</MPD>",
    "",
  ].join("\n");
}

export interface PlayerPageOptions {
  title: string;
  kind: "audio" | "video";
  src: string;
  mimeType?: string;
  note: string;
  links?: Record<string, string>;
}

export function playerPage(options: PlayerPageOptions): string {
  const type = options.mimeType ? ` type="${xmlEscape(options.mimeType)}"` : "";
  const links = Object.entries(options.links ?? {})
    .map(([label, href]) => `<li><a href="${xmlEscape(href)}">${xmlEscape(label)}</a></li>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${xmlEscape(options.title)} · ${SANDBOX_NOTE}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto">
<h1>${xmlEscape(options.title)}</h1>
<${options.kind} controls preload="metadata" style="width: 100%"><source src="${xmlEscape(options.src)}"${type}></${options.kind}>
<p>Served by the ${SANDBOX_NOTE}: ${xmlEscape(options.note)}</p>
${links ? `<ul>${links}</ul>` : ""}
</body>
</html>
`;
}

export function thumbnailSvg(title: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">
<!-- ${SANDBOX_NOTE} placeholder thumbnail -->
<rect width="320" height="180" fill="#1f2937"/>
<text x="160" y="84" font-family="sans-serif" font-size="16" fill="#f9fafb" text-anchor="middle">${xmlEscape(title.slice(0, 36))}</text>
<text x="160" y="112" font-family="sans-serif" font-size="12" fill="#9ca3af" text-anchor="middle">${SANDBOX_NOTE}</text>
</svg>
`;
}

export interface AudioKind {
  mimeType: string;
  extension: string;
}

/** Recognises the common audio containers by their first bytes, so uploads are served as what they are. */
export function sniffAudio(head: Uint8Array): AudioKind {
  const ascii = (from: number, to: number) => Buffer.from(head.subarray(from, to)).toString("latin1");
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WAVE") return { mimeType: "audio/wav", extension: "wav" };
  if (ascii(0, 4) === "fLaC") return { mimeType: "audio/flac", extension: "flac" };
  if (ascii(0, 4) === "OggS") return { mimeType: "audio/ogg", extension: "ogg" };
  if (ascii(4, 8) === "ftyp") return { mimeType: "audio/mp4", extension: "m4a" };
  const [b0 = 0, b1 = 0] = head;
  if (b0 === 0xff && (b1 & 0xf6) === 0xf0) return { mimeType: "audio/aac", extension: "aac" };
  if (ascii(0, 3) === "ID3" || (b0 === 0xff && (b1 & 0xe0) === 0xe0))
    return { mimeType: "audio/mpeg", extension: "mp3" };
  return { mimeType: "application/octet-stream", extension: "bin" };
}

/** Duration of a PCM WAV from its header, or undefined when `head` is not one. */
export function wavDurationSec(head: Buffer): number | undefined {
  if (
    head.length < 12 ||
    head.toString("latin1", 0, 4) !== "RIFF" ||
    head.toString("latin1", 8, 12) !== "WAVE"
  ) {
    return undefined;
  }
  let byteRate = 0;
  for (let at = 12; at + 8 <= head.length; ) {
    const id = head.toString("latin1", at, at + 4);
    const size = head.readUInt32LE(at + 4);
    if (id === "fmt " && at + 16 <= head.length) byteRate = head.readUInt32LE(at + 16);
    if (id === "data") return byteRate > 0 ? size / byteRate : undefined;
    at += 8 + size + (size % 2);
  }
  return undefined;
}

// A test pattern with a 440 Hz tone (H.264 baseline 256x144 at 24 fps, AAC mono), encoded once with
// ffmpeg into src/sandbox/assets and committed: pieces of 0.5, 1, 1.5 and 2 seconds, each starting on a
// key frame, and an 8-second progressive MP4. A stream of any length is a run of these pieces, each
// with its timestamps shifted to follow the one before, so players see one continuous programme.
const PATTERN_PIECES_SEC = [0.5, 1, 1.5, 2] as const;
export const PATTERN_SEGMENT_SEC = 2;

const assets = new Map<string, Buffer>();
/** Beside the module in src/ (tests) and dist/ or the MCP Bundle's server/ (the build copies them). */
function asset(name: string): Buffer {
  let bytes = assets.get(name);
  if (!bytes) {
    bytes = readFileSync(new URL(`./assets/${name}`, import.meta.url));
    assets.set(name, bytes);
  }
  return bytes;
}

/**
 * The pieces that make up [start, end) ranges: at most 2 s each, the last of a range rounded to the
 * nearest half second (so a stream is within a quarter second of its timeline per range).
 */
export function patternSegments(ranges: ReadonlyArray<readonly [number, number]>): number[] {
  return splitIntoSegments(ranges, PATTERN_SEGMENT_SEC).map((seconds) =>
    Math.min(PATTERN_SEGMENT_SEC, Math.max(0.5, Math.round(seconds * 2) / 2)),
  );
}

const TS_PACKET = 188;
const PTS_WRAP = 2 ** 33;

function readTimestamp(b: Buffer, at: number): number {
  return (
    (((b[at] ?? 0) >> 1) & 0x07) * 2 ** 30 +
    (((b[at + 1] ?? 0) << 7) | ((b[at + 2] ?? 0) >> 1)) * 2 ** 15 +
    (((b[at + 3] ?? 0) << 7) | ((b[at + 4] ?? 0) >> 1))
  );
}

function writeTimestamp(b: Buffer, at: number, value: number): void {
  const high = Math.floor(value / 2 ** 30) & 0x07;
  const middle = Math.floor(value / 2 ** 15) & 0x7fff;
  const low = value & 0x7fff;
  b[at] = ((b[at] ?? 0) & 0xf0) | (high << 1) | 1;
  b[at + 1] = middle >> 7;
  b[at + 2] = ((middle & 0x7f) << 1) | 1;
  b[at + 3] = low >> 7;
  b[at + 4] = ((low & 0x7f) << 1) | 1;
}

/** Moves every PTS, DTS and PCR of an MPEG transport stream later by `offsetSec`. */
export function shiftTransportStream(ts: Buffer, offsetSec: number): Buffer {
  const out = Buffer.from(ts);
  const shift = Math.round(offsetSec * 90000);
  for (let at = 0; at + TS_PACKET <= out.length; at += TS_PACKET) {
    if (out[at] !== 0x47) throw new Error("not an MPEG transport stream");
    const unitStart = ((out[at + 1] ?? 0) & 0x40) !== 0;
    const control = ((out[at + 3] ?? 0) >> 4) & 0x03;
    let payload = at + 4;
    if (control & 0x02) {
      const length = out[at + 4] ?? 0;
      if (length > 0 && (out[at + 5] ?? 0) & 0x10) {
        const p = at + 6;
        const base =
          (out[p] ?? 0) * 2 ** 25 +
          (out[p + 1] ?? 0) * 2 ** 17 +
          (out[p + 2] ?? 0) * 2 ** 9 +
          (out[p + 3] ?? 0) * 2 +
          ((out[p + 4] ?? 0) >> 7);
        const shifted = (base + shift) % PTS_WRAP;
        out[p] = Math.floor(shifted / 2 ** 25) & 0xff;
        out[p + 1] = Math.floor(shifted / 2 ** 17) & 0xff;
        out[p + 2] = Math.floor(shifted / 2 ** 9) & 0xff;
        out[p + 3] = Math.floor(shifted / 2) & 0xff;
        out[p + 4] = ((shifted & 1) << 7) | ((out[p + 4] ?? 0) & 0x7f);
      }
      payload = at + 5 + length;
    }
    const isPes = out[payload] === 0 && out[payload + 1] === 0 && out[payload + 2] === 1;
    if (unitStart && control & 0x01 && isPes) {
      const flags = (out[payload + 7] ?? 0) >> 6;
      if (flags & 0x02)
        writeTimestamp(out, payload + 9, (readTimestamp(out, payload + 9) + shift) % PTS_WRAP);
      if (flags === 0x03) {
        writeTimestamp(out, payload + 14, (readTimestamp(out, payload + 14) + shift) % PTS_WRAP);
      }
    }
  }
  return out;
}

/** One piece of the test pattern (0.5, 1, 1.5 or 2 s), timed to start at `offsetSec` of its stream. */
export function patternSegment(durationSec: number, offsetSec: number): Buffer {
  const piece = PATTERN_PIECES_SEC.find((seconds) => seconds === durationSec);
  if (piece === undefined) throw new RangeError(`no ${durationSec} s piece of the test pattern`);
  return shiftTransportStream(asset(`pattern-${piece}.m2t`), offsetSec);
}

/** The progressive variant: the test pattern as one MP4 file. */
export function patternMp4(): Buffer {
  return asset("pattern-8s.mp4");
}
