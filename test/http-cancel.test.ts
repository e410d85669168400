import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { loadSettings } from "../src/config.js";
import { configureLog } from "../src/log.js";
import { type RecordedRequest, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { createRuntime, createServer } from "../src/server.js";
import { type RunningHttpServer, startHttpServer } from "../src/transport/http.js";
import { testBasePaths } from "./helpers/harness.js";
import { rawPost } from "./helpers/raw-post.js";

/**
 * The Streamable HTTP transport in this process, in front of the sandbox: who may cancel a call, when a
 * cancellation counts, and what a refused body looks like to the client. Real HTTP on loopback and the
 * SDK's own client throughout.
 */

const serverToken = "test-http-token-9d1e77";
const mcpHeaders = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};

let sandbox: Sandbox;
let filesDir: string;
let open: RunningHttpServer;
let guarded: RunningHttpServer;
/** A body limit of 64 KiB, so that a body far beyond it takes little time to send. */
let strict: RunningHttpServer;
let audio: string;
const clients: Client[] = [];

before(async () => {
  sandbox = await startSandbox({ jobDurationMs: 100, basePaths: testBasePaths });
  filesDir = await mkdtemp(path.join(os.tmpdir(), "mediagate-http-"));
  audio = path.join(filesDir, "held.mp3");
  await writeFile(audio, randomBytes(5000));
  const settings = await loadSettings(
    { ...sandbox.env(), MEDIAGATE_FILE_ROOTS: filesDir, MEDIAGATE_HTTP_TOKEN: serverToken },
    { http: true },
  );
  configureLog("silent", settings.secrets);
  const runtime = createRuntime(settings);
  const createMcp = () => createServer(runtime);
  [open, guarded, strict] = await Promise.all([
    startHttpServer({ host: "127.0.0.1", port: 0, createServer: createMcp }),
    startHttpServer({ host: "127.0.0.1", port: 0, token: serverToken, createServer: createMcp }),
    startHttpServer({ host: "127.0.0.1", port: 0, maxBodyBytes: 64 * 1024, createServer: createMcp }),
  ]);
});

after(async () => {
  await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
  await Promise.all([open?.close(0), guarded?.close(0), strict?.close(0)]);
  await sandbox?.close();
  await rm(filesDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.aioz.clearFaults();
  sandbox.aioz.clearRequests();
});

interface RecordingClient {
  client: Client;
  /** The JSON-RPC id of the last `tools/call` this client sent. */
  lastCallId(): number | string;
}

/** The SDK's client over Streamable HTTP, sending `headers` on every request, noting the ids it sends. */
async function connect(url: string, headers: Record<string, string> = {}): Promise<RecordingClient> {
  const ids: Array<number | string> = [];
  const recording: typeof fetch = (input, init) => {
    if (typeof init?.body === "string") {
      const message = JSON.parse(init.body) as { method?: string; id?: number | string };
      if (message.method === "tools/call" && message.id !== undefined) ids.push(message.id);
    }
    return fetch(input, init);
  };
  const client = new Client({ name: "mediagate-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers }, fetch: recording }),
  );
  clients.push(client);
  return {
    client,
    lastCallId() {
      const id = ids.at(-1);
      assert.notEqual(id, undefined, "the client sent no tools/call");
      return id as number | string;
    },
  };
}

/** Holds AIOZ's answer to the next upload part until `release()`; `arrived` resolves once the part is in. */
function holdNextPart() {
  let release!: () => void;
  let arrived!: (request: RecordedRequest) => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const inFlight = new Promise<RecordedRequest>((resolve) => {
    arrived = resolve;
  });
  sandbox.aioz.inject({ method: "POST", route: /\/part$/, until: released, onHold: arrived });
  return { release, inFlight };
}

function startUpload(client: Client, signal?: AbortSignal): Promise<CallToolResult> {
  return client.callTool(
    { name: "aioz_upload_audio", arguments: { file_path: audio, title: "Held", wait_s: 0 } },
    undefined,
    signal ? { signal } : {},
  ) as Promise<CallToolResult>;
}

function cancellation(requestId: number | string): string {
  return JSON.stringify({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId } });
}

const partRoutes = (requests: readonly RecordedRequest[]) =>
  requests
    .filter((r) => r.route.endsWith("/part"))
    .map((r) => `${r.method} ${r.route.replace(/[^/]+\/part$/, "{id}/part")}`);

describe("cancelling a call over HTTP", () => {
  test("a text/plain POST (what a page may send without CORS) carrying notifications/cancelled does not cancel a running upload", async () => {
    const { client, lastCallId } = await connect(open.url);
    const part = holdNextPart();
    const call = startUpload(client);
    await part.inFlight;
    const forged = await fetch(open.url, {
      method: "POST",
      headers: { "content-type": "text/plain", accept: "*/*" },
      body: cancellation(lastCallId()),
    });
    assert.equal(forged.status, 406, "the SDK's checks refuse the POST");
    const unsupported = await fetch(open.url, {
      method: "POST",
      headers: { ...mcpHeaders, "content-type": "text/plain" },
      body: cancellation(lastCallId()),
    });
    assert.equal(unsupported.status, 415);
    part.release();
    const result = await call;
    assert.equal(result.isError, undefined, JSON.stringify(result.content));
    assert.deepEqual(sandbox.aioz.abandoned, [], "the provider saw no request given up");
  });

  test("a cancel from another caller's token does not cancel; one with the same token does, and the provider sees the part abandoned", async () => {
    // The server requires no token, so every client is its own caller by the token it sends.
    const owner = await connect(open.url, { authorization: "Bearer caller-alpha" });
    const part = holdNextPart();
    const call = startUpload(owner.client);
    await part.inFlight;
    const id = owner.lastCallId();

    const stranger = await rawPost(
      open.url,
      { ...mcpHeaders, authorization: "Bearer caller-beta" },
      cancellation(id),
    );
    assert.equal(stranger, 202, "accepted as MCP, and ignored: no call of that caller has this id");
    const anonymous = await rawPost(open.url, mcpHeaders, cancellation(id));
    assert.equal(anonymous, 202);
    part.release();
    const result = await call;
    assert.equal(result.isError, undefined, JSON.stringify(result.content));
    assert.deepEqual(sandbox.aioz.abandoned, []);

    sandbox.aioz.clearRequests();
    const second = holdNextPart();
    const cancelled = startUpload(owner.client);
    cancelled.catch(() => undefined);
    await second.inFlight;
    // Another connection, the same token: the same caller.
    const sameCaller = await rawPost(
      open.url,
      { ...mcpHeaders, authorization: "Bearer caller-alpha" },
      cancellation(owner.lastCallId()),
    );
    assert.equal(sameCaller, 202);
    await sandbox.aioz.untilAbandoned(1);
    assert.deepEqual(partRoutes(sandbox.aioz.abandoned), ["POST /media/{id}/part"]);
    second.release();
  });

  test("the client's own cancel stops an upload mid-part on a server that requires a token: the provider sees the part's connection closed, and no complete follows", async () => {
    const { client } = await connect(guarded.url, { authorization: `Bearer ${serverToken}` });
    const part = holdNextPart();
    const controller = new AbortController();
    const call = startUpload(client, controller.signal);
    await part.inFlight;
    controller.abort("the user changed their mind");
    await assert.rejects(call, /abort|changed their mind/i);
    await sandbox.aioz.untilAbandoned(1);
    assert.deepEqual(partRoutes(sandbox.aioz.abandoned), ["POST /media/{id}/part"]);
    part.release();
    assert.equal(
      sandbox.aioz.requests.filter((r) => r.route.endsWith("/complete")).length,
      0,
      "a cancelled upload is never completed",
    );
  });

  test("a cancel with a wrong token is refused (401) and the upload goes on", async () => {
    const { client, lastCallId } = await connect(guarded.url, { authorization: `Bearer ${serverToken}` });
    const part = holdNextPart();
    const call = startUpload(client);
    await part.inFlight;
    const status = await rawPost(
      guarded.url,
      { ...mcpHeaders, authorization: "Bearer not-the-token" },
      cancellation(lastCallId()),
    );
    assert.equal(status, 401);
    part.release();
    const result = await call;
    assert.equal(result.isError, undefined, JSON.stringify(result.content));
    assert.deepEqual(sandbox.aioz.abandoned, []);
  });
});

describe("Origin on a loopback bind", () => {
  test("an Origin with this server's host and another port is refused with 403; its own origin is served", async () => {
    const { port } = new URL(open.url);
    const other = Number(port) === 65535 ? 65534 : Number(port) + 1;
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    });
    for (const origin of [`http://127.0.0.1:${other}`, `http://localhost:${other}`, "http://127.0.0.1"]) {
      const status = await rawPost(
        open.url,
        { ...mcpHeaders, host: `127.0.0.1:${port}`, origin },
        initialize,
      );
      assert.equal(status, 403, origin);
    }
    const own = await rawPost(
      open.url,
      { ...mcpHeaders, host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` },
      initialize,
    );
    assert.equal(own, 200);
  });
});

describe("a request body over the limit", () => {
  /** A chunked POST that keeps writing until the answer comes; resolves with its status or the error seen. */
  function chunkedPost(url: string): Promise<string> {
    return new Promise((resolve) => {
      let answered = false;
      const outgoing = request(
        url,
        { method: "POST", headers: { ...mcpHeaders, "transfer-encoding": "chunked" } },
        (response) => {
          answered = true;
          response.resume();
          response.on("end", () => {
            resolve(String(response.statusCode));
            outgoing.destroy();
          });
        },
      );
      outgoing.on("error", (error) => {
        if (!answered) resolve(`error: ${error.message}`);
      });
      // One write 64 times the limit, as a client streaming a file makes: still being sent when the
      // answer comes.
      outgoing.write(Buffer.alloc(64 * 64 * 1024, 0x20));
      outgoing.end();
    });
  }

  test("a chunked body that keeps coming gets the 413, twenty times in a row, and the server keeps serving", async () => {
    const statuses: string[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await chunkedPost(strict.url));
    assert.deepEqual(statuses, Array(20).fill("413"));
    const { client } = await connect(strict.url);
    assert.ok((await client.listTools()).tools.length > 0);
  });
});
