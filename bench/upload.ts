/**
 * Upload benchmark: a large file through `aioz_upload_audio` (the built stdio server) against the same parts
 * sent straight to the AIOZ emulator with undici in the same wire form: 50 MiB parts numbered from 1, the
 * multipart fields `file`, then `hash`, then `index` (as the official Go client writes them), each part
 * read once from disk and hashed while it streams.
 *
 * The emulator runs in a process of its own (bench/sandbox-process.ts), as a real provider does: both paths
 * then have a client process and the emulator's process, and neither shares its CPU with the emulator. The
 * file is read once before anything is timed so that both paths find it in the page cache, and every
 * uploaded object is deleted after its run so that the emulator's disk does not fill up as runs go by.
 * After one warm-up pair, the two paths run alternately (the first of a pair alternates too), and the
 * figures are medians: of each path's rates and of the ratio within each pair.
 *
 * The server's memory is judged against its own idle RSS (after tools/list, before any upload): the
 * upload's cost is what it adds to that, whatever the runtime and its libraries take to start.
 *
 *   npm run build && node --import tsx bench/upload.ts [sizeMiB] [pairs]   (or BENCH_UPLOAD_MIB=512)
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Agent, request } from "undici";
import { startRemoteSandbox } from "./sandbox-process.js";
import { median, processMemory, round } from "./stats.js";
import { connect, isMain, mediagate } from "./targets.js";

const partBytes = 50 * 1024 * 1024;
const MiB = 1024 * 1024;

/**
 * The goals the upload is judged by: mediagate at least this share of the direct rate, and the server's
 * peak RSS at most this much above its idle RSS (a 50 MiB part held in memory would not fit).
 */
export const uploadGoals = { minRatio: 0.95, maxPeakOverIdleMiB: 25 };

export interface UploadBenchOptions {
  /** File size in MiB. Default 512. */
  sizeMiB?: number;
  /** Measured pairs (one mediagate run and one direct run each), after one warm-up pair. Default 5. */
  pairs?: number;
}

export interface UploadBenchResult {
  /** Median rate through mediagate, MiB/s. */
  mediagateMiBps: number;
  /** Median rate of the direct undici upload, MiB/s. */
  directMiBps: number;
  /** The two medians' ratio. */
  ratio: number;
  /** The median of each pair's ratio (mediagate over direct): what the goal is judged on. */
  pairedRatio: number;
  /** RSS of the server after tools/list, before any upload, MiB. */
  idleRssMiB: number;
  /**
   * RSS after one small provider call, before any upload, MiB: the HTTP client is loaded by the first
   * provider request of any tool, so this part of the peak is not the upload's.
   */
  idleAfterCallRssMiB: number;
  /** Peak RSS of the server over all the runs, MiB. */
  peakRssMiB: number;
  /** Peak minus idle: what uploading costs the server in memory, MiB. */
  peakOverIdleMiB: number;
  /**
   * Peak during the measured pairs minus the RSS before them (after the warm-up pair), MiB: what each
   * upload adds once the one-time costs (the HTTP client loaded, the hot path compiled) are paid.
   * Undefined where the peak cannot be reset (/proc/PID/clear_refs).
   */
  steadyPeakOverRssMiB?: number;
  sizeMiB: number;
  pairs: number;
  runs: { mediagateMiBps: number[]; directMiBps: number[]; pairedRatios: number[] };
  goals: { minRatio: number; maxPeakOverIdleMiB: number; pass: boolean };
}

/** A file of `sizeMiB` random-looking bytes (one random block repeated: the bytes are real, not sparse). */
async function makeFile(dir: string, sizeMiB: number): Promise<string> {
  const file = path.join(dir, "bench.mp3");
  const block = randomBytes(8 * MiB);
  const handle = await open(file, "w");
  try {
    let left = sizeMiB * MiB;
    while (left > 0) {
      const take = Math.min(left, block.length);
      await handle.write(block, 0, take);
      left -= take;
    }
  } finally {
    await handle.close();
  }
  return file;
}

/** Reads the whole file once (into one reused block) so that every run finds it in the page cache. */
async function readThrough(file: string, block: Buffer): Promise<void> {
  const handle = await open(file, "r");
  try {
    while ((await handle.read(block, 0, block.length)).bytesRead > 0) {}
  } finally {
    await handle.close();
  }
}

/** The same protocol mediagate speaks, with nothing around it: create, every part, complete. */
async function directUpload(
  dispatcher: Agent,
  baseUrl: string,
  token: string,
  file: string,
  size: number,
): Promise<string> {
  const auth = { authorization: `Bearer ${token}` };
  // Bytes are read into reused blocks, as mediagate does: buffers allocated per read would leave the
  // client collecting garbage that the server does not make, and the comparison would favour mediagate.
  // Sixteen blocks in turn: a block is read into again long after the socket has taken it.
  const ring = Array.from({ length: 16 }, () => Buffer.allocUnsafeSlow(64 * 1024));
  let slot = 0;
  const created = await request(`${baseUrl}/media/create`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ type: "audio", title: "direct" }),
    dispatcher,
  });
  const id = ((await created.body.json()) as { data: { id: string } }).data.id;
  for (let part = 1, start = 0; start < size; part++, start += partBytes) {
    const end = Math.min(size, start + partBytes) - 1;
    const boundary = `bench-${randomBytes(8).toString("hex")}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.mp3"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const field = (name: string, value: string) =>
      `\r\n--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
    const tail = (md5: string) =>
      Buffer.from(`${field("hash", md5)}${field("index", String(part))}\r\n--${boundary}--\r\n`);
    async function* body() {
      const hash = createHash("md5");
      yield head;
      const handle = await open(file, "r");
      try {
        for (let position = start; position <= end; ) {
          const block = ring[slot++ % ring.length] as Buffer;
          const { bytesRead } = await handle.read(
            block,
            0,
            Math.min(block.length, end - position + 1),
            position,
          );
          if (bytesRead === 0) throw new Error(`${file} is shorter than expected`);
          const bytes = block.subarray(0, bytesRead);
          hash.update(bytes);
          yield bytes;
          position += bytesRead;
        }
      } finally {
        await handle.close();
      }
      yield tail(hash.digest("hex"));
    }
    const response = await request(`${baseUrl}/media/${id}/part`, {
      method: "POST",
      headers: {
        ...auth,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(head.length + end - start + 1 + tail("0".repeat(32)).length),
        "content-range": `bytes ${start}-${end}/${size}`,
      },
      body: Readable.from(body()),
      dispatcher,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`direct part ${part}: HTTP ${response.statusCode} ${text}`);
  }
  const done = await request(`${baseUrl}/media/${id}/complete`, { headers: auth, dispatcher });
  await done.body.text();
  return id;
}

export async function runUploadBench(options: UploadBenchOptions = {}): Promise<UploadBenchResult> {
  const sizeMiB = options.sizeMiB ?? 512;
  const pairs = options.pairs ?? 5;
  const size = sizeMiB * MiB;
  const dir = await mkdtemp(path.join(os.tmpdir(), "mediagate-bench-upload-"));
  const sandbox = await startRemoteSandbox();
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  try {
    const file = await makeFile(dir, sizeMiB);
    const session = await connect(
      mediagate({ ...sandbox.env, MEDIAGATE_FILE_ROOTS: dir, MEDIAGATE_LOG_LEVEL: "warn" }),
    );
    try {
      await session.client.listTools();
      await readThrough(file, Buffer.allocUnsafeSlow(MiB));
      const idleRssMiB = (await processMemory(session.pid))?.rssMiB ?? Number.NaN;
      await session.client.callTool({ name: "aioz_get_audio", arguments: { audio_id: sandbox.audioId } });
      const idleAfterCallRssMiB = (await processMemory(session.pid))?.rssMiB ?? Number.NaN;
      const auth = { authorization: `Bearer ${sandbox.aiozToken}` };
      const remove = async (id: string) => {
        const response = await request(`${sandbox.aiozUrl}/media/${encodeURIComponent(id)}`, {
          method: "DELETE",
          headers: auth,
          dispatcher,
        });
        await response.body.text();
      };
      /** One upload through mediagate; seconds. */
      const throughMediagate = async (): Promise<number> => {
        const started = performance.now();
        const result = (await session.client.callTool(
          { name: "aioz_upload_audio", arguments: { file_path: file, wait_s: 0 } },
          undefined,
          { timeout: 30 * 60 * 1000 },
        )) as CallToolResult;
        const seconds = (performance.now() - started) / 1000;
        if (result.isError) throw new Error(`aioz_upload_audio failed: ${JSON.stringify(result.content)}`);
        const id = (result.structuredContent as { audio?: { id?: string } } | undefined)?.audio?.id;
        if (id) await remove(id);
        return seconds;
      };
      /** One upload straight to the emulator; seconds. */
      const direct = async (): Promise<number> => {
        const started = performance.now();
        const id = await directUpload(dispatcher, sandbox.aiozUrl, sandbox.aiozToken, file, size);
        const seconds = (performance.now() - started) / 1000;
        await remove(id);
        return seconds;
      };

      await throughMediagate();
      await direct();
      // The first large upload pays one-time costs of its own: V8 compiles the hot streaming path (its
      // compiler's zone memory peaks at about 35 MiB, in a bare undici sender too). Resetting the peak
      // here shows what each further upload adds on top.
      const warm = await processMemory(session.pid);
      const peakReset = await writeFile(`/proc/${session.pid}/clear_refs`, "5").then(
        () => true,
        () => false,
      );
      const viaMediagate: number[] = [];
      const viaDirect: number[] = [];
      const pairedRatios: number[] = [];
      for (let pair = 0; pair < pairs; pair++) {
        let mediagateSeconds: number;
        let directSeconds: number;
        if (pair % 2 === 0) {
          mediagateSeconds = await throughMediagate();
          directSeconds = await direct();
        } else {
          directSeconds = await direct();
          mediagateSeconds = await throughMediagate();
        }
        viaMediagate.push(sizeMiB / mediagateSeconds);
        viaDirect.push(sizeMiB / directSeconds);
        pairedRatios.push(directSeconds / mediagateSeconds);
      }
      const lastPeakMiB = (await processMemory(session.pid))?.peakRssMiB ?? Number.NaN;
      // With the peak reset after the warm-up, the run's peak is the larger of the two.
      const peakRssMiB = peakReset ? Math.max(warm?.peakRssMiB ?? Number.NaN, lastPeakMiB) : lastPeakMiB;
      const peakOverIdleMiB = round(peakRssMiB - idleRssMiB);
      const steadyPeakOverRssMiB = peakReset && warm ? round(lastPeakMiB - warm.rssMiB) : undefined;
      const pairedRatio = round(median(pairedRatios), 2);
      return {
        mediagateMiBps: round(median(viaMediagate)),
        directMiBps: round(median(viaDirect)),
        ratio: round(median(viaMediagate) / median(viaDirect), 2),
        pairedRatio,
        idleRssMiB,
        idleAfterCallRssMiB,
        peakRssMiB,
        peakOverIdleMiB,
        ...(steadyPeakOverRssMiB === undefined ? {} : { steadyPeakOverRssMiB }),
        sizeMiB,
        pairs,
        runs: {
          mediagateMiBps: viaMediagate.map((value) => round(value)),
          directMiBps: viaDirect.map((value) => round(value)),
          pairedRatios: pairedRatios.map((value) => round(value, 2)),
        },
        goals: {
          ...uploadGoals,
          pass: pairedRatio >= uploadGoals.minRatio && peakOverIdleMiB <= uploadGoals.maxPeakOverIdleMiB,
        },
      };
    } finally {
      await session.close();
    }
  } finally {
    await dispatcher.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const sizeText = process.argv[2] ?? process.env.BENCH_UPLOAD_MIB;
  const sizeMiB = sizeText ? Number(sizeText) : undefined;
  const pairs = process.argv[3] ? Number(process.argv[3]) : undefined;
  const result = await runUploadBench({
    ...(sizeMiB === undefined ? {} : { sizeMiB }),
    ...(pairs === undefined ? {} : { pairs }),
  });
  process.stdout.write(
    `upload ${result.sizeMiB} MiB, ${result.pairs} pairs after a warm-up pair: mediagate ${result.mediagateMiBps} MiB/s, direct undici ${result.directMiBps} MiB/s (medians), paired ratio ${result.pairedRatio} (goal >= ${uploadGoals.minRatio}; ratio of medians ${result.ratio}); server RSS idle ${result.idleRssMiB} MiB (${result.idleAfterCallRssMiB} MiB after one provider call), peak ${result.peakRssMiB} MiB, peak - idle ${result.peakOverIdleMiB} MiB (goal <= ${uploadGoals.maxPeakOverIdleMiB}), after the warm-up pair each upload adds ${result.steadyPeakOverRssMiB ?? "?"} MiB: ${result.goals.pass ? "pass" : "MISS"}\n  runs: mediagate ${result.runs.mediagateMiBps.join(", ")} MiB/s; direct ${result.runs.directMiBps.join(", ")} MiB/s; ratios ${result.runs.pairedRatios.join(", ")}\n`,
  );
}
