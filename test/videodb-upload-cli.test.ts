import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { patternMp4 } from "../src/sandbox/media.js";
import { type Harness, startHarness, testBasePaths } from "./helpers/harness.js";
import { succeeded } from "./helpers/outcome.js";
import {
  cleanEnv,
  connectHttpClient,
  type ServerProcess,
  startServerProcess,
} from "./helpers/server-process.js";

/** videodb_upload through the built CLI, over stdio and over Streamable HTTP (needs `npm run build`). */

type Json = Record<string, unknown>;

describe("mediagate over stdio: videodb_upload of a local file", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ sandbox: { jobDurationMs: 100 } });
  });
  after(async () => {
    await h?.close();
  });

  test("uploads the file, reports its bytes as progress, and ends with a video that streams", async () => {
    const file = path.join(h.filesDir, "talk.mp4");
    await writeFile(file, patternMp4());
    const totals = new Set<number | undefined>();
    const outcome = await h.call(
      "videodb_upload",
      { file_path: file, wait_s: 20 },
      { onprogress: (event) => totals.add(event.total) },
    );
    const job = succeeded(outcome).job as { status: string; result: Json };
    assert.equal(job.status, "done");
    assert.match(String(job.result.video_id), /^m-/);
    assert.ok(totals.has(patternMp4().length), "progress counted the file's bytes");
    const playlist = await fetch(String(job.result.stream_url));
    assert.match(await playlist.text(), /^#EXTM3U/);
    assert.ok(!h.stderr().includes(h.sandbox.credentials.videodbApiKey), "no key in the server's log");
  });
});

describe("mediagate --http: videodb_upload", () => {
  let sandbox: Sandbox;
  let server: ServerProcess;
  let client: Client;
  let roots: string;

  before(async () => {
    sandbox = await startSandbox({ jobDurationMs: 100, basePaths: testBasePaths });
    roots = await mkdtemp(path.join(os.tmpdir(), "mediagate-videodb-http-"));
    server = await startServerProcess(
      [],
      cleanEnv({ ...sandbox.env(), MEDIAGATE_LOG_LEVEL: "warn", MEDIAGATE_FILE_ROOTS: roots }),
    );
    client = await connectHttpClient(server.url);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await server?.kill();
    await sandbox?.close();
    await rm(roots, { recursive: true, force: true });
  });

  test("uploads a file from an allowed folder and answers with its video", async () => {
    const file = path.join(roots, "clip.mp4");
    await writeFile(file, patternMp4());
    const result = (await client.callTool({
      name: "videodb_upload",
      arguments: { file_path: file, wait_s: 20 },
    })) as CallToolResult;
    assert.notEqual(result.isError, true, JSON.stringify(result.content));
    const job = (result.structuredContent as { job: { status: string; result: Json } }).job;
    assert.equal(job.status, "done");
    assert.equal(job.result.media_type, "video");
  });

  test("refuses a url on a private address, naming url and the rule, and nothing reaches VideoDB", async () => {
    sandbox.videodb.clearRequests();
    const result = (await client.callTool({
      name: "videodb_upload",
      arguments: { url: "http://127.0.0.1:9/secret.mp4" },
    })) as CallToolResult;
    assert.equal(result.isError, true);
    const text = result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
    assert.match(text, /^url: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private or loopback address/m);
    assert.deepEqual(sandbox.videodb.requests, []);
  });
});
