import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { cliPath } from "./harness.js";

/** Only what the server needs, so no variable of the test machine leaks into a run. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "SystemRoot", "TMPDIR", "NODE_OPTIONS"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI to completion. */
export async function runCli(args: string[], env: Record<string, string> = cleanEnv()): Promise<CliRun> {
  const child = spawn(process.execPath, [cliPath, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

export interface ServerProcess {
  child: ChildProcess;
  /** The MCP endpoint the server printed, e.g. http://127.0.0.1:40123/mcp. */
  url: string;
  /** The server's origin, e.g. http://127.0.0.1:40123. */
  origin: string;
  stderr(): string;
  /** Resolves once stderr contains `text`. */
  waitForStderr(text: string): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

/** Starts `mediagate --http --port 0 ...` and reads the bound URL from its stderr. */
export async function startServerProcess(
  args: string[],
  env: Record<string, string>,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [cliPath, "--http", "--port", "0", ...args], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    for (const waiter of [...waiters]) {
      if (stderr.includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const waitForStderr = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      waiters.push({ text, resolve });
      exited.then(() => {
        if (!stderr.includes(text)) reject(new Error(`server exited before printing "${text}":\n${stderr}`));
      });
    });
  await waitForStderr("MCP over Streamable HTTP at ");
  const match = /MCP over Streamable HTTP at (http:\/\/\S+\/mcp)/.exec(stderr);
  if (!match?.[1]) throw new Error(`no URL in stderr:\n${stderr}`);
  const url = match[1];
  return {
    child,
    url,
    origin: new URL(url).origin,
    stderr: () => stderr,
    waitForStderr,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

/** An MCP client connected over Streamable HTTP. */
export async function connectHttpClient(url: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "mediagate-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}
