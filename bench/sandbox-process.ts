import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { SANDBOX_SEED, startSandbox } from "../src/sandbox/index.js";
import { isMain } from "./targets.js";

/**
 * The provider emulators in a process of their own, as a real provider is: the direct requests and
 * mediagate's requests then both cross a process boundary to reach it, and what the MCP path adds over the
 * direct one is mediagate and MCP alone, not the cost of reaching another process.
 */
export interface RemoteSandbox {
  /** The environment that points mediagate at the emulators (base URLs and credentials). */
  env: Record<string, string>;
  /** The seeded AIOZ audio every call reads. */
  audioId: string;
  aiozUrl: string;
  aiozToken: string;
  close(): Promise<void>;
}

interface Ready {
  env: Record<string, string>;
  audioId: string;
  aiozUrl: string;
  aiozToken: string;
}

export async function startRemoteSandbox(): Promise<RemoteSandbox> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "sandbox-process.ts")],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<Ready>((resolve, reject) => {
    lines.once("line", (line) => resolve(JSON.parse(line) as Ready));
    child.once("exit", (code) => reject(new Error(`the sandbox process exited (${code})`)));
  });
  return {
    ...ready,
    async close() {
      child.stdin?.end();
      await exited;
    },
  };
}

if (isMain(import.meta.url)) {
  const sandbox = await startSandbox();
  // Recorded requests are for tests; a benchmark makes tens of thousands.
  const clear = setInterval(() => {
    sandbox.videodb.clearRequests();
    sandbox.aioz.clearRequests();
    sandbox.aistudios.clearRequests();
  }, 500);
  const ready: Ready = {
    env: sandbox.env(),
    audioId: SANDBOX_SEED.aioz.audioId,
    aiozUrl: sandbox.aioz.url,
    aiozToken: sandbox.credentials.aiozToken,
  };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  // The parent closing stdin (or going away) ends the sandbox.
  process.stdin.resume();
  process.stdin.once("end", () => {
    clearInterval(clear);
    sandbox.close().then(() => process.exit(0));
  });
}
