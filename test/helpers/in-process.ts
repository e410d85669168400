import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach } from "node:test";
import { parseArgs } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { loadSettings } from "../../src/config.js";
import { configureLog } from "../../src/log.js";
import { type SandboxOptions, startSandbox } from "../../src/sandbox/index.js";
import { createRuntime, createServer } from "../../src/server.js";
import { callTool, type Harness, listedToolsOf, testBasePaths } from "./harness.js";

export interface InProcessOptions {
  sandbox?: SandboxOptions;
  /** Extra or overriding environment for the server; a value of "" removes the variable. */
  env?: Record<string, string>;
  /** The CLI's tool selection flags: `--toolsets a,b` and `--read-only`. */
  args?: string[];
  /** Start the server without the sandbox's credentials. */
  withoutCredentials?: boolean;
  /** The client to connect, for one with capabilities of its own (roots); default a plain SDK Client. */
  client?: Client;
  /** Configure the server as `--http` configures it (what it refuses to serve others). Default false. */
  http?: boolean;
  /** Private origins `url` sources may reach over HTTP, as `--sandbox` passes its emulators'. */
  privateUrlOrigins?: string[];
}

/** The same surface as the process harness, less what only a process has (its stderr). */
export type InProcessHarness = Omit<Harness, "stderr">;

/** Secrets of every harness this process started: the log module keeps one list for the process. */
const knownSecrets = new Set<string>();

/**
 * The sandbox's emulators on loopback and the server from `createServer` in this process, reached through
 * the SDK's Client over its in-memory transport: every request still crosses the real client, the real
 * server, the real provider client and real HTTP, with no build step and one process to debug.
 * Process-level behaviour (stdio, HTTP transport, stderr, start-up) stays with `startHarness`.
 */
export async function startInProcess(options: InProcessOptions = {}): Promise<InProcessHarness> {
  const sandbox = await startSandbox({ jobDurationMs: 300, ...options.sandbox, basePaths: testBasePaths });
  const filesDir = await mkdtemp(path.join(os.tmpdir(), "mediagate-files-"));
  const env: Record<string, string> = {
    ...(options.withoutCredentials
      ? Object.fromEntries(Object.entries(sandbox.env()).filter(([key]) => key.endsWith("_BASE_URL")))
      : sandbox.env()),
    MEDIAGATE_FILE_ROOTS: filesDir,
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) if (value === "") delete env[key];
  const { values } = parseArgs({
    args: options.args ?? [],
    options: { toolsets: { type: "string" }, "read-only": { type: "boolean" } },
    strict: true,
  });
  const settings = await loadSettings(env, {
    toolsets: values.toolsets,
    readOnly: values["read-only"],
    ...(options.http ? { http: true } : {}),
    ...(options.privateUrlOrigins ? { privateUrlOrigins: options.privateUrlOrigins } : {}),
  });
  for (const secret of settings.secrets) knownSecrets.add(secret);
  // Log lines would land in the test runner's output; the process tests check them on a real stderr.
  configureLog(env.MEDIAGATE_LOG_LEVEL ?? "silent", [...knownSecrets]);
  const server = createServer(createRuntime(settings));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = options.client ?? new Client({ name: "mediagate-test", version: "1.0.0" });
  await client.connect(clientTransport);
  // As hosts do: the SDK's client then checks each successful result against the listed outputSchema too.
  await listedToolsOf(client);
  const transcript: string[] = [];
  return {
    sandbox,
    client,
    filesDir,
    transcript,
    clearRequests() {
      sandbox.videodb.clearRequests();
      sandbox.aioz.clearRequests();
      sandbox.aistudios.clearRequests();
    },
    call: (name, args = {}, requestOptions) => callTool(client, transcript, name, args, requestOptions),
    async close() {
      await client.close().catch(() => undefined);
      await server.close().catch(() => undefined);
      await sandbox.close();
      await rm(filesDir, { recursive: true, force: true });
    },
  };
}

/** Fixed values for the other credential sets, so tests can name what must arrive. */
export const alternativeCredentials = {
  aiozPublicKey: "sandbox-aioz-public",
  aiozSecretKey: "sandbox-aioz-secret",
  aistudiosAppId: "sandbox-app",
  aistudiosUserKey: "sandbox-user-key",
} as const;

/**
 * The sandbox with each provider's other way of authenticating (AIOZ's key pair, AI Studios' app id and
 * user key), and every job failing, so failed jobs can be checked too.
 */
export function startWithAlternativeCredentials(): Promise<InProcessHarness> {
  return startInProcess({
    sandbox: { jobDurationMs: 100, failureRate: 1, credentials: alternativeCredentials },
    env: {
      AIOZ_STREAM_TOKEN: "",
      AIOZ_STREAM_PUBLIC_KEY: alternativeCredentials.aiozPublicKey,
      AIOZ_STREAM_SECRET_KEY: alternativeCredentials.aiozSecretKey,
      AISTUDIOS_API_KEY: "",
      AISTUDIOS_APP_ID: alternativeCredentials.aistudiosAppId,
      AISTUDIOS_USER_KEY: alternativeCredentials.aistudiosUserKey,
    },
  });
}

/**
 * The in-process harness of a whole test file: started before its first test, closed after its last, the
 * emulators' recorded requests cleared before each test. Call it at the top of the file; what it returns
 * stands for the harness once started.
 */
export function inProcessForFile(options: InProcessOptions = {}): InProcessHarness {
  let started: InProcessHarness | undefined;
  const current = (): InProcessHarness => {
    if (!started) throw new Error("the in-process harness is used before its before() hook ran");
    return started;
  };
  before(async () => {
    started = await startInProcess(options);
  });
  after(async () => {
    await started?.close();
  });
  beforeEach(() => {
    started?.clearRequests();
  });
  return {
    get sandbox() {
      return current().sandbox;
    },
    get client() {
      return current().client;
    },
    get filesDir() {
      return current().filesDir;
    },
    get transcript() {
      return current().transcript;
    },
    clearRequests: () => current().clearRequests(),
    call: (name, args, requestOptions) => current().call(name, args, requestOptions),
    close: () => current().close(),
  };
}
