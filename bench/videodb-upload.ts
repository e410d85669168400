/**
 * VideoDB upload memory: a large local file through `videodb_upload` (the built stdio server) to the
 * sandbox's signed upload URL, and the server's RSS while it streams. The emulator runs in a process of
 * its own (bench/sandbox-process.ts) and writes the file to its disk, so the figures are the server's
 * alone. The upload's cost is its peak RSS over the server's RSS after one small VideoDB call (the HTTP
 * client then loaded): a file held in memory would show as its size.
 *
 *   npm run build && node --import tsx bench/videodb-upload.ts [sizeMiB]   (default 1024)
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startRemoteSandbox } from "./sandbox-process.js";
import { processMemory, round } from "./stats.js";
import { connect, isMain, mediagate } from "./targets.js";

const MiB = 1024 * 1024;

/** The bound the upload is held to: far below any file size worth measuring. */
export const videodbUploadGoal = { maxPeakOverIdleMiB: 64 };

export interface VideodbUploadResult {
  sizeMiB: number;
  seconds: number;
  MiBps: number;
  idleRssMiB: number;
  peakRssMiB: number;
  peakOverIdleMiB: number;
  pass: boolean;
}

async function makeFile(dir: string, sizeMiB: number): Promise<string> {
  const file = path.join(dir, "bench.mp4");
  const block = randomBytes(8 * MiB);
  const handle = await open(file, "w");
  try {
    for (let left = sizeMiB * MiB; left > 0; left -= block.length) {
      await handle.write(block, 0, Math.min(left, block.length));
    }
  } finally {
    await handle.close();
  }
  return file;
}

export async function runVideodbUploadBench(sizeMiB = 1024): Promise<VideodbUploadResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "mediagate-bench-videodb-"));
  const sandbox = await startRemoteSandbox();
  try {
    const file = await makeFile(dir, sizeMiB);
    const session = await connect(
      mediagate({ ...sandbox.env, MEDIAGATE_FILE_ROOTS: dir, MEDIAGATE_LOG_LEVEL: "warn" }),
    );
    try {
      await session.client.callTool({ name: "videodb_list_videos", arguments: {} });
      const idleRssMiB = (await processMemory(session.pid))?.rssMiB ?? Number.NaN;
      const started = performance.now();
      const result = (await session.client.callTool(
        { name: "videodb_upload", arguments: { file_path: file, wait_s: 0 } },
        undefined,
        { timeout: 30 * 60 * 1000 },
      )) as CallToolResult;
      const seconds = (performance.now() - started) / 1000;
      if (result.isError) throw new Error(`videodb_upload failed: ${JSON.stringify(result.content)}`);
      const peakRssMiB = (await processMemory(session.pid))?.peakRssMiB ?? Number.NaN;
      const peakOverIdleMiB = round(peakRssMiB - idleRssMiB);
      return {
        sizeMiB,
        seconds: round(seconds),
        MiBps: round(sizeMiB / seconds),
        idleRssMiB,
        peakRssMiB,
        peakOverIdleMiB,
        pass: peakOverIdleMiB <= videodbUploadGoal.maxPeakOverIdleMiB,
      };
    } finally {
      await session.close();
    }
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const sizeText = process.argv[2];
  const result = await runVideodbUploadBench(sizeText ? Number(sizeText) : undefined);
  process.stdout.write(
    `videodb_upload ${result.sizeMiB} MiB in ${result.seconds} s (${result.MiBps} MiB/s); server RSS ${result.idleRssMiB} MiB after one call, peak ${result.peakRssMiB} MiB, peak - idle ${result.peakOverIdleMiB} MiB (goal <= ${videodbUploadGoal.maxPeakOverIdleMiB}): ${result.pass ? "pass" : "MISS"}\n`,
  );
}
