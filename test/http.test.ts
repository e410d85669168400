import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { testBasePaths } from "./helpers/harness.js";
import { rawPost } from "./helpers/raw-post.js";
import {
  cleanEnv,
  connectHttpClient,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./helpers/server-process.js";

const httpToken = "test-http-token-5f0c2a";
const mcpHeaders = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};
const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};

/** Resolves once `condition` holds, checking every 50 ms. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await sleep(50);
  }
  throw new Error(`gave up waiting for ${what}`);
}

function structured(result: unknown): Record<string, unknown> {
  const value = (result as CallToolResult).structuredContent;
  assert.ok(value, `no structuredContent in ${JSON.stringify(result)}`);
  return value;
}

async function startJob(client: Client): Promise<string> {
  const result = await client.callTool({
    name: "videodb_generate_video",
    arguments: { prompt: "a lighthouse at dusk", wait_s: 0 },
  });
  const job = structured(result).job as { id: string; status: string };
  assert.equal(job.status, "processing");
  return job.id;
}

/** Polls of one job, from the emulator's request log. */
function jobPolls(sandbox: Sandbox, jobId: string): number {
  const route = `/async-response/${jobId.slice(jobId.indexOf(":") + 1)}`;
  return sandbox.videodb.requests.filter((request) => request.route === route).length;
}

function asyncPolls(sandbox: Sandbox): number {
  return sandbox.videodb.requests.filter((request) => request.route.startsWith("/async-response/")).length;
}

describe("mediagate --http", () => {
  /** Jobs finish in 1.5 s: long enough for a progress notification, short enough to wait for. */
  let fast: Sandbox;
  /** Jobs that never finish during a test: for cancellation and shutdown. */
  let slow: Sandbox;
  let first: ServerProcess;
  let second: ServerProcess;
  let guarded: ServerProcess;
  let slowServer: ServerProcess;
  const clients: Client[] = [];
  const processes: ServerProcess[] = [];

  const env = (sandbox: Sandbox, extra: Record<string, string> = {}) =>
    cleanEnv({ ...sandbox.env(), MEDIAGATE_LOG_LEVEL: "debug", ...extra });
  const client = async (url: string, headers?: Record<string, string>) => {
    const connected = await connectHttpClient(url, headers);
    clients.push(connected);
    return connected;
  };
  const serve = async (args: string[], serverEnv: Record<string, string>) => {
    const started = await startServerProcess(args, serverEnv);
    processes.push(started);
    return started;
  };

  before(async () => {
    fast = await startSandbox({ jobDurationMs: 1500, basePaths: testBasePaths });
    slow = await startSandbox({ jobDurationMs: 600_000, basePaths: testBasePaths });
    [first, second, guarded, slowServer] = await Promise.all([
      serve([], env(fast)),
      serve([], env(fast)),
      serve([], env(fast, { MEDIAGATE_HTTP_TOKEN: httpToken })),
      serve([], env(slow)),
    ]);
  });

  after(async () => {
    await Promise.all(clients.map((connected) => connected.close().catch(() => undefined)));
    await Promise.all(processes.map((started) => started.kill()));
    await Promise.all([fast?.close(), slow?.close()]);
  });

  test("lists the tools and calls one through the SDK's Streamable HTTP client", async () => {
    const mcp = await client(first.url);
    const { tools } = await mcp.listTools();
    assert.ok(tools.some((tool) => tool.name === "videodb_list_videos"));
    assert.ok(tools.some((tool) => tool.name === "job_wait"));
    const result = await mcp.callTool({ name: "videodb_list_videos", arguments: {} });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const videos = structured(result).videos as { id: string }[];
    assert.ok(videos.length > 0);
  });

  test("GET /healthz answers 200 with the server's name, version and tool count", async () => {
    const response = await fetch(`${first.origin}/healthz`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.status, "ok");
    assert.equal(body.name, "mediagate");
    assert.equal(typeof body.version, "string");
    assert.equal(typeof body.tools, "number");
  });

  test("answers 404 off /mcp and 405 to GET /mcp (a stateless server has no standalone stream)", async () => {
    assert.equal((await fetch(`${first.origin}/elsewhere`)).status, 404);
    const response = await fetch(first.url, { headers: { accept: "text/event-stream" } });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "POST");
  });

  test("with MEDIAGATE_HTTP_TOKEN, /mcp answers 401 with WWW-Authenticate to a missing or wrong token", async () => {
    for (const authorization of [undefined, "Bearer wrong-token", `Basic ${httpToken}`, httpToken]) {
      const response = await fetch(guarded.url, {
        method: "POST",
        headers: { ...mcpHeaders, ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(initialize),
      });
      assert.equal(response.status, 401, `authorization ${authorization}`);
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
  });

  test("with MEDIAGATE_HTTP_TOKEN, a client that sends the bearer token is served", async () => {
    const mcp = await client(guarded.url, { authorization: `Bearer ${httpToken}` });
    const { tools } = await mcp.listTools();
    assert.ok(tools.length > 0);
  });

  test("/healthz needs no token, so load balancers can check it", async () => {
    assert.equal((await fetch(`${guarded.origin}/healthz`)).status, 200);
  });

  test("refuses a Host or Origin that is not loopback with 403 (DNS rebinding)", async () => {
    const port = new URL(first.url).port;
    const refused: Record<string, string>[] = [
      { host: `evil.example.com:${port}` },
      { host: `127.0.0.1:${port}`, origin: "http://evil.example.com" },
    ];
    for (const headers of refused) {
      const status = await rawPost(first.url, { ...mcpHeaders, ...headers }, JSON.stringify(initialize));
      assert.equal(status, 403, JSON.stringify(headers));
    }
    const accepted = await rawPost(
      first.url,
      { ...mcpHeaders, host: `localhost:${port}`, origin: `http://localhost:${port}` },
      JSON.stringify(initialize),
    );
    assert.equal(accepted, 200);
  });

  test("refuses to start on a non-loopback host without MEDIAGATE_HTTP_TOKEN, with one line and exit code 2", async () => {
    const run = await runCli(["--http", "--host", "0.0.0.0", "--port", "0"], cleanEnv(fast.env()));
    assert.equal(run.code, 2);
    assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
    assert.match(run.stderr, /MEDIAGATE_HTTP_TOKEN/);
  });

  test("answers a body over 4 MiB with 413 and keeps serving", async () => {
    const oversized = JSON.stringify({ ...initialize, padding: "x".repeat(5 * 1024 * 1024) });
    const response = await fetch(first.url, { method: "POST", headers: mcpHeaders, body: oversized });
    assert.equal(response.status, 413);
    assert.equal((await fetch(`${first.origin}/healthz`)).status, 200);
  });

  test("answers malformed JSON with a JSON-RPC parse error and keeps serving", async () => {
    const response = await fetch(first.url, {
      method: "POST",
      headers: mcpHeaders,
      body: '{"jsonrpc": "2.0", "id": ',
    });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: number } };
    assert.equal(body.error.code, -32700);
    const mcp = await client(first.url);
    assert.ok((await mcp.listTools()).tools.length > 0);
  });

  test("sends progress notifications while job_wait polls, then the finished job", async () => {
    const mcp = await client(first.url);
    const jobId = await startJob(mcp);
    const progress: Progress[] = [];
    const result = await mcp.callTool(
      { name: "job_wait", arguments: { job_id: jobId, timeout_s: 30 } },
      undefined,
      {
        onprogress: (update) => progress.push(update),
      },
    );
    const job = structured(result).job as { status: string; result?: { stream_url?: string } };
    assert.equal(job.status, "done");
    assert.ok(job.result?.stream_url);
    assert.ok(progress.length >= 1, "no progress notification arrived");
    for (let i = 1; i < progress.length; i++) {
      assert.ok((progress[i]?.progress ?? 0) > (progress[i - 1]?.progress ?? 0), "progress must increase");
    }
  });

  test("a job started through one instance is waited on through another (no shared state)", async () => {
    const starter = await client(first.url);
    const waiter = await client(second.url);
    const jobId = await startJob(starter);
    const result = await waiter.callTool({ name: "job_wait", arguments: { job_id: jobId, timeout_s: 30 } });
    const job = structured(result).job as { id: string; status: string; result?: Record<string, unknown> };
    assert.equal(job.id, jobId);
    assert.equal(job.status, "done");
    assert.ok(job.result?.stream_url);
  });

  test("cancelling a call over HTTP stops it and its polling, and the server keeps serving", async () => {
    const mcp = await client(slowServer.url);
    const jobId = await startJob(mcp);
    const pollsBefore = asyncPolls(slow);
    const controller = new AbortController();
    const call = mcp.callTool({ name: "job_wait", arguments: { job_id: jobId, timeout_s: 55 } }, undefined, {
      signal: controller.signal,
    });
    // Cancel once job_wait is really polling.
    await until(() => asyncPolls(slow) >= pollsBefore + 2, "job_wait to poll");
    controller.abort("the user changed their mind");
    await assert.rejects(call);
    await slowServer.waitForStderr("cancelling a call at the client's request");
    const pollsAtCancel = jobPolls(slow, jobId);
    // The clock: a second job_wait, started once the server has acknowledged the cancel, on the same
    // backoff (its first poll at once, the next after 1 s and 1.5 s more). By its third poll 2.5 s have
    // passed; the cancelled wait, in a 1.5 s pause when cancelled, would have polled by then.
    const clockJob = await startJob(mcp);
    const clockStopper = new AbortController();
    const clock = mcp.callTool(
      { name: "job_wait", arguments: { job_id: clockJob, timeout_s: 55 } },
      undefined,
      {
        signal: clockStopper.signal,
      },
    );
    clock.catch(() => undefined);
    await until(() => jobPolls(slow, clockJob) >= 3, "the clock job to be polled three times");
    clockStopper.abort("done");
    assert.equal(jobPolls(slow, jobId), pollsAtCancel, "job_wait kept polling after it was cancelled");
    assert.ok((await mcp.listTools()).tools.length > 0);
  });

  test("SIGTERM stops accepting; a second SIGTERM answers in-flight calls and exits 0", async () => {
    const stopping = await serve([], env(slow));
    const mcp = await client(stopping.url);
    const jobId = await startJob(mcp);
    const pollsBefore = asyncPolls(slow);
    const call = mcp.callTool({ name: "job_wait", arguments: { job_id: jobId, timeout_s: 55 } });
    await until(() => asyncPolls(slow) > pollsBefore, "job_wait to poll");
    stopping.child.kill("SIGTERM");
    await stopping.waitForStderr("shutting down");
    await assert.rejects(fetch(`${stopping.origin}/healthz`), "a new connection must be refused");
    stopping.child.kill("SIGTERM");
    const result = (await call) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match(JSON.stringify(result.content), /shutting down/);
    assert.equal(await stopping.exited, 0);
  });
});
