import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const root = path.resolve(import.meta.dirname, "..");

/** A server to measure: how to start it over stdio. */
export interface Target {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Which build of the server runs, said next to every figure so a comparison is read for what it is. */
  build: string;
}

/** Only what a server needs, so no variable of the machine changes what is measured. */
export function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "SystemRoot"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * With BENCH_PROFILE_DIR set, mediagate and the minimal SDK server run under `node --cpu-prof` and write a
 * .cpuprofile to DIR/mediagate and DIR/mcp-floor when their session ends; `bench/profile-summary.ts` sums
 * it per function and file (or open it in Chrome DevTools or VS Code).
 */
function profileArgs(name: string): string[] {
  const dir = process.env.BENCH_PROFILE_DIR;
  return dir ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(dir, name)] : [];
}

/** The built mediagate CLI, as an MCP client launches it, pointed at the given provider environment. */
export function mediagate(providerEnv: Record<string, string>): Target {
  return {
    name: "mediagate",
    command: process.execPath,
    args: [...profileArgs("mediagate"), path.join(root, "dist/cli.js")],
    env: { ...baseEnv(), ...providerEnv },
    build: "bundled dist/cli.js (esbuild)",
  };
}

const referenceDir = path.join(root, "node_modules/@modelcontextprotocol/server-everything");

/** The reference server's version, as installed from npm. */
export function referenceVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(referenceDir, "package.json"), "utf8")) as {
    version?: string;
  };
  return manifest.version ?? "unknown";
}

/** The reference server of the MCP project, over stdio, exactly as npm publishes it (tsc output, unbundled). */
export function reference(): Target {
  return {
    name: "server-everything",
    command: process.execPath,
    args: [path.join(referenceDir, "dist/index.js"), "stdio"],
    env: baseEnv(),
    build: `@modelcontextprotocol/server-everything ${referenceVersion()} as published (unbundled)`,
  };
}

/**
 * A minimal SDK server proxying the one request the call-overhead benchmark makes (bench/floor-server.ts);
 * with `result: "contract"`, returning the result mediagate's contract prescribes instead of the raw body.
 */
export function floor(providerEnv: Record<string, string>, result: "raw" | "contract" = "raw"): Target {
  const name = result === "raw" ? "mcp-floor" : "mcp-floor-contract";
  return {
    name,
    command: process.execPath,
    args: [...profileArgs(name), "--import", "tsx", path.join(root, "bench/floor-server.ts")],
    env: { ...baseEnv(), ...providerEnv, ...(result === "raw" ? {} : { MCP_FLOOR_RESULT: "contract" }) },
    build: `bench/floor-server.ts under tsx${result === "raw" ? "" : ", MCP_FLOOR_RESULT=contract"}`,
  };
}

export interface Session {
  client: Client;
  /** The server process id, for reading its memory. */
  pid: number | null;
  close(): Promise<void>;
}

/** Starts the target and connects the SDK's client to it over stdio, as an agent's host does. */
export async function connect(target: Target): Promise<Session> {
  const transport = new StdioClientTransport({
    command: target.command,
    args: target.args,
    env: target.env,
    stderr: "ignore",
  });
  const client = new Client({ name: "mediagate-bench", version: "1.0.0" });
  await client.connect(transport);
  return {
    client,
    pid: transport.pid,
    close: () => client.close(),
  };
}

/** True when the module was started directly (`node --import tsx bench/<module>.ts`). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}
