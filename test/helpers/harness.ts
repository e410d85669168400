import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { type Sandbox, type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";

export const cliPath = path.resolve(import.meta.dirname, "../../dist/cli.js");

/** Base paths with a path in every base URL, so URL joining is exercised on every call. */
export const testBasePaths = { videodb: "/videodb/v1", aioz: "/api", aistudios: "/studio" };

export interface HarnessOptions {
  sandbox?: SandboxOptions;
  /** Extra or overriding environment for the server; a value of "" removes the variable. */
  env?: Record<string, string>;
  args?: string[];
  /** Start the server without the sandbox's credentials. */
  withoutCredentials?: boolean;
}

export interface Harness {
  sandbox: Sandbox;
  client: Client;
  /** A directory inside MEDIAGATE_FILE_ROOTS for test files. */
  filesDir: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Every tool result text seen so far, for checks across a whole file (no secrets anywhere). */
  transcript: string[];
  /** Forgets every request the three emulators have recorded. */
  clearRequests(): void;
  call(
    name: string,
    args?: Record<string, unknown>,
    options?: Parameters<Client["callTool"]>[2],
  ): Promise<ToolOutcome>;
  close(): Promise<void>;
}

export interface ToolOutcome {
  result: CallToolResult;
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

/** Only what the server needs, so no variable of the test machine leaks into a run. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "SystemRoot", "TMPDIR", "NODE_OPTIONS"]) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * The sandbox's emulators on loopback and the built server over stdio through the SDK's Client: the path
 * a user's request takes, with nothing stubbed. For what only a process shows (stderr, stdout, start-up,
 * a second instance); tool behaviour is tested in-process (`startInProcess` in `in-process.ts`).
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox({ jobDurationMs: 300, ...options.sandbox, basePaths: testBasePaths });
  const filesDir = await mkdtemp(path.join(os.tmpdir(), "mediagate-files-"));
  const env: Record<string, string> = {
    ...baseEnv(),
    ...(options.withoutCredentials
      ? Object.fromEntries(Object.entries(sandbox.env()).filter(([key]) => key.endsWith("_BASE_URL")))
      : sandbox.env()),
    MEDIAGATE_FILE_ROOTS: filesDir,
    MEDIAGATE_LOG_LEVEL: "debug",
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) if (value === "") delete env[key];
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cliPath, ...(options.args ?? [])],
    env,
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "mediagate-test", version: "1.0.0" });
  await client.connect(transport);
  // As hosts do: the SDK's client then checks each successful result against the listed outputSchema too.
  await listedToolsOf(client);
  const transcript: string[] = [];
  return {
    sandbox,
    client,
    filesDir,
    stderr: () => stderr,
    transcript,
    clearRequests() {
      sandbox.videodb.clearRequests();
      sandbox.aioz.clearRequests();
      sandbox.aistudios.clearRequests();
    },
    call: (name, args = {}, requestOptions) => callTool(client, transcript, name, args, requestOptions),
    async close() {
      await client.close().catch(() => undefined);
      await sandbox.close();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

const validator = new AjvJsonSchemaValidator();
const listedTools = new WeakMap<Client, Promise<Map<string, Tool>>>();

/** The tools a client's server lists, asked once per client. */
export function listedToolsOf(client: Client): Promise<Map<string, Tool>> {
  let tools = listedTools.get(client);
  if (!tools) {
    tools = client.listTools().then(({ tools }) => new Map(tools.map((tool) => [tool.name, tool])));
    listedTools.set(client, tools);
  }
  return tools;
}

/**
 * The one place every result the suite sees is checked against what tools/list promised: a success
 * (a finished result, a processing job, an upload part) carries structuredContent valid against the tool's
 * outputSchema and the same JSON in its text; an error carries text only. A tool the server does not list
 * (a filtered toolset) is refused by the server, and its error is checked the same way.
 */
export async function checkAgainstListedSchema(
  client: Client,
  name: string,
  result: CallToolResult,
): Promise<void> {
  const text = result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
  if (result.isError === true) {
    if (result.structuredContent !== undefined) {
      throw new Error(`${name}: an error result carries structuredContent: ${text}`);
    }
    return;
  }
  const tool = (await listedToolsOf(client)).get(name);
  if (!tool) throw new Error(`${name}: a successful result from a tool tools/list does not show`);
  if (!tool.outputSchema) throw new Error(`${name}: lists no outputSchema`);
  const check = validator.getValidator(tool.outputSchema)(result.structuredContent);
  if (!check.valid)
    throw new Error(`${name}: structuredContent does not match its outputSchema: ${check.errorMessage}`);
  const json = text.slice(text.indexOf("\n") + 1);
  if (JSON.stringify(JSON.parse(json)) !== JSON.stringify(result.structuredContent)) {
    throw new Error(`${name}: the text does not carry the structuredContent's JSON`);
  }
}

/**
 * Calls a tool through the SDK's client and reads its result as a user would; the text joins `transcript`,
 * and the result is checked against the tool's listed output schema (`checkAgainstListedSchema`).
 */
export async function callTool(
  client: Client,
  transcript: string[],
  name: string,
  args: Record<string, unknown>,
  options?: Parameters<Client["callTool"]>[2],
): Promise<ToolOutcome> {
  const result = (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
  await checkAgainstListedSchema(client, name, result);
  const text = result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
  transcript.push(text, JSON.stringify(result.structuredContent ?? {}));
  return {
    result,
    isError: result.isError === true,
    text,
    structured: result.structuredContent as Record<string, unknown> | undefined,
  };
}

/** Every credential value the sandbox accepts: none may ever reach a result, an error or a log line. */
export function secretValues(sandbox: Sandbox): string[] {
  return Object.values(sandbox.credentials).filter((value) => value.length >= 4);
}
