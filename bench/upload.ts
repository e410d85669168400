/**
 * Upload benchmark: a large file through `aioz_upload_audio` (the built stdio server, talking to the
 * sandbox's AIOZ emulator) against the same parts sent straight to the emulator with undici, each part
 * hashed and streamed from disk the same way. Reports both rates, their ratio and the server's peak RSS.
 *
 *   npm run build && node --import tsx bench/upload.ts [sizeMiB]
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Agent, request } from "undici";
import { startSandbox } from "../src/sandbox/index.js";

const cliPath = path.resolve(import.meta.dirname, "../dist/cli.js");
const partBytes = 50 * 1024 * 1024;
const MiB = 1024 * 1024;

export interface UploadBenchOptions {
  /** File size in MiB. Default 512. */
  sizeMiB?: number;
}

export interface UploadBenchResult {
  mediagateMiBps: number;
  directMiBps: number;
  ratio: number;
  peakRssMiB: number;
  sizeMiB: number;
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

/** Peak resident set of a process so far, from /proc (Linux); undefined elsewhere. */
async function peakRssMiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function md5OfRange(file: string, start: number, end: number): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(file, { start, end, highWaterMark: MiB }))
    hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The same protocol mediagate speaks, with nothing around it: create, every part, complete. */
async function directUpload(baseUrl: string, token: string, file: string, size: number): Promise<void> {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000 });
  const auth = { authorization: `Bearer ${token}` };
  const created = await request(`${baseUrl}/media/create`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ type: "audio", title: "direct" }),
    dispatcher,
  });
  const id = ((await created.body.json()) as { data: { id: string } }).data.id;
  for (let index = 0, start = 0; start < size; index++, start += partBytes) {
    const end = Math.min(size, start + partBytes) - 1;
    const hash = await md5OfRange(file, start, end);
    const boundary = `bench-${randomBytes(8).toString("hex")}`;
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="index"\r\n\r\n${index}\r\n--${boundary}\r\nContent-Disposition: form-data; name="hash"\r\n\r\n${hash}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.mp3"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    async function* body() {
      yield head;
      yield* createReadStream(file, { start, end, highWaterMark: MiB }) as AsyncIterable<Buffer>;
      yield tail;
    }
    const response = await request(`${baseUrl}/media/${id}/part`, {
      method: "POST",
      headers: {
        ...auth,
        "content-type": `multipart/form-data; boundary=${boundary}`,
        "content-length": String(head.length + end - start + 1 + tail.length),
        "content-range": `bytes ${start}-${end}/${size}`,
      },
      body: Readable.from(body()),
      dispatcher,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`direct part ${index}: HTTP ${response.statusCode} ${text}`);
  }
  const done = await request(`${baseUrl}/media/${id}/complete`, { headers: auth, dispatcher });
  await done.body.text();
  await dispatcher.close();
}

export async function runUploadBench(options: UploadBenchOptions = {}): Promise<UploadBenchResult> {
  const sizeMiB = options.sizeMiB ?? 512;
  const size = sizeMiB * MiB;
  const dir = await mkdtemp(path.join(os.tmpdir(), "mediagate-bench-upload-"));
  const sandbox = await startSandbox({ jobDurationMs: 60_000 });
  try {
    const file = await makeFile(dir, sizeMiB);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...sandbox.env(),
      MEDIAGATE_FILE_ROOTS: dir,
      MEDIAGATE_LOG_LEVEL: "warn",
    };
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath],
      env,
      stderr: "inherit",
    });
    const client = new Client({ name: "mediagate-bench", version: "1.0.0" });
    await client.connect(transport);
    const pid = transport.pid;
    let sampledPeak = 0;
    const sampler = setInterval(async () => {
      if (pid !== null) sampledPeak = Math.max(sampledPeak, (await peakRssMiB(pid)) ?? 0);
    }, 200);
    try {
      // Read the file once so both runs find it in the page cache.
      await md5OfRange(file, 0, size - 1);
      let started = performance.now();
      const result = (await client.callTool(
        { name: "aioz_upload_audio", arguments: { file_path: file, wait_s: 0 } },
        undefined,
        { timeout: 30 * 60 * 1000 },
      )) as CallToolResult;
      const mediagateSeconds = (performance.now() - started) / 1000;
      if (result.isError) throw new Error(`aioz_upload_audio failed: ${JSON.stringify(result.content)}`);
      const peak = (pid === null ? undefined : await peakRssMiB(pid)) ?? sampledPeak;

      const aiozUrl = sandbox.env().AIOZ_STREAM_BASE_URL as string;
      started = performance.now();
      await directUpload(aiozUrl, sandbox.credentials.aiozToken, file, size);
      const directSeconds = (performance.now() - started) / 1000;

      const mediagateMiBps = sizeMiB / mediagateSeconds;
      const directMiBps = sizeMiB / directSeconds;
      return {
        mediagateMiBps: Math.round(mediagateMiBps * 10) / 10,
        directMiBps: Math.round(directMiBps * 10) / 10,
        ratio: Math.round((mediagateMiBps / directMiBps) * 100) / 100,
        peakRssMiB: Math.round(Math.max(peak, sampledPeak) * 10) / 10,
        sizeMiB,
      };
    } finally {
      clearInterval(sampler);
      await client.close().catch(() => undefined);
    }
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizeMiB = process.argv[2] ? Number(process.argv[2]) : undefined;
  const result = await runUploadBench(sizeMiB === undefined ? {} : { sizeMiB });
  process.stdout.write(
    `upload ${result.sizeMiB} MiB: mediagate ${result.mediagateMiBps} MiB/s, direct undici ${result.directMiBps} MiB/s, ratio ${result.ratio} (goal >= 0.9); server peak RSS ${result.peakRssMiB} MiB (goal <= 120)\n`,
  );
}
