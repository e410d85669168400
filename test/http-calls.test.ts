import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { testBasePaths } from "./helpers/harness.js";
import {
  cleanEnv,
  connectHttpClient,
  type ServerProcess,
  startServerProcess,
} from "./helpers/server-process.js";

function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");
}

function structured(result: CallToolResult): Record<string, unknown> {
  assert.notEqual(result.isError, true, textOf(result));
  assert.ok(result.structuredContent, `no structuredContent in ${JSON.stringify(result)}`);
  return result.structuredContent;
}

describe("mediagate --http: many calls in flight through one client", () => {
  const inFlight = 48;
  let sandbox: Sandbox;
  let server: ServerProcess;
  let client: Client;

  before(async () => {
    sandbox = await startSandbox({ basePaths: testBasePaths });
    server = await startServerProcess([], cleanEnv({ ...sandbox.env(), MEDIAGATE_LOG_LEVEL: "warn" }));
    client = await connectHttpClient(server.url);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await server?.kill();
    await sandbox?.close();
  });

  test(`${inFlight} calls in flight each get the answer to their own request`, async () => {
    const titles = Array.from({ length: inFlight }, (_, n) => `Concurrent take ${n} ${n * 7919}`);
    // Creates first (each answer must carry its own title), all sent before any is awaited.
    const created = await Promise.all(
      titles.map(
        (title) =>
          client.callTool({ name: "aioz_create_audio", arguments: { title } }) as Promise<CallToolResult>,
      ),
    );
    const ids = created.map((result, n) => {
      const audio = structured(result).audio as { id: string; title: string };
      assert.equal(audio.title, titles[n], `create #${n} answered with another request's audio`);
      return audio.id;
    });
    assert.equal(new Set(ids).size, inFlight, "every create made its own audio");

    // Then a read of each, held by the emulator until all of them have arrived: they answer only if every
    // one is in flight at once. Calls sent one at a time would each be let go after 30 s instead, the first
    // answer coming back with one read seen, which the assertion below reports.
    sandbox.aioz.clearRequests();
    sandbox.aioz.inject({
      method: "GET",
      route: /^\/media\/[^/]+$/,
      holdUntil: inFlight,
      delayMs: 30_000,
      times: inFlight,
    });
    const readsSeen = () =>
      sandbox.aioz.requests.filter(
        (request) => request.method === "GET" && request.route.startsWith("/media/"),
      ).length;
    let seenAtFirstAnswer: number | undefined;
    const read = await Promise.all(
      ids.map(async (id) => {
        const result = (await client.callTool({
          name: "aioz_get_audio",
          arguments: { audio_id: id },
        })) as CallToolResult;
        seenAtFirstAnswer ??= readsSeen();
        return result;
      }),
    );
    assert.equal(seenAtFirstAnswer, inFlight, "every read reached the provider before the first answer");
    read.forEach((result, n) => {
      const audio = structured(result).audio as { id: string; title: string };
      assert.equal(audio.id, ids[n], `read #${n} answered with another request's audio`);
      assert.equal(audio.title, titles[n]);
      assert.ok(textOf(result).includes(ids[n] as string), `read #${n}: its text names another audio`);
    });
  });
});

describe("mediagate --http: a url upload source on a private address", () => {
  const bytes = Buffer.from("ID3 a few bytes of audio from a loopback origin".repeat(40));
  let origin: Server;
  let originUrl = "";
  /** What the private origin received, by path. */
  const arrived: string[] = [];
  let sandbox: Sandbox;
  let guarded: ServerProcess;
  let trusting: ServerProcess;

  before(async () => {
    origin = createServer((req, res) => {
      arrived.push(req.url ?? "");
      res.writeHead(200, { "content-type": "audio/mpeg", "content-length": String(bytes.length) });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => origin.listen(0, "127.0.0.1", resolve));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/take.mp3`;
    sandbox = await startSandbox({ jobDurationMs: 100, basePaths: testBasePaths });
    [guarded, trusting] = await Promise.all([
      startServerProcess([], cleanEnv({ ...sandbox.env(), MEDIAGATE_LOG_LEVEL: "warn" })),
      startServerProcess(
        [],
        cleanEnv({ ...sandbox.env(), MEDIAGATE_LOG_LEVEL: "warn", MEDIAGATE_ALLOW_PRIVATE_URLS: "1" }),
      ),
    ]);
  });
  after(async () => {
    await Promise.all([guarded?.kill(), trusting?.kill()]);
    await sandbox?.close();
    await new Promise<void>((resolve) => origin.close(() => resolve()));
  });

  test("is refused through aioz_upload_audio, naming url and the rule, and nothing reaches AIOZ", async () => {
    const client = await connectHttpClient(guarded.url);
    try {
      sandbox.aioz.clearRequests();
      arrived.length = 0;
      const result = (await client.callTool({
        name: "aioz_upload_audio",
        arguments: { url: originUrl, title: "From loopback", wait_s: 0 },
      })) as CallToolResult;
      assert.equal(result.isError, true, JSON.stringify(result));
      assert.deepEqual(arrived, [], "a request reached the private origin");
      const text = textOf(result);
      assert.match(text, /^url: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private or loopback address/m);
      assert.match(text, /MEDIAGATE_ALLOW_PRIVATE_URLS=1/);
      assert.deepEqual(sandbox.aioz.requests, [], "a request reached the AIOZ emulator");
    } finally {
      await client.close();
    }
  });

  test("is fetched with MEDIAGATE_ALLOW_PRIVATE_URLS=1, and the upload completes with its bytes", async () => {
    const client = await connectHttpClient(trusting.url);
    try {
      sandbox.aioz.clearRequests();
      const result = (await client.callTool({
        name: "aioz_upload_audio",
        arguments: { url: originUrl, title: "From loopback", wait_s: 0 },
      })) as CallToolResult;
      const { audio } = structured(result) as { audio: { id: string; title: string } };
      assert.equal(audio.title, "From loopback");
      const parts = sandbox.aioz.requests.filter((request) => request.route === `/media/${audio.id}/part`);
      // Smaller than one part: one part, with the origin's bytes and their MD5.
      assert.equal(parts.length, 1, "one part was uploaded");
      const file = (parts[0]?.body as { file?: { size: number; md5: string } } | undefined)?.file;
      assert.equal(file?.size, bytes.length, "the part carries the origin's bytes");
      assert.equal(file?.md5, createHash("md5").update(bytes).digest("hex"));
      assert.ok(
        sandbox.aioz.requests.some(
          (request) => request.method === "GET" && request.route === `/media/${audio.id}/complete`,
        ),
        "the upload was completed",
      );
    } finally {
      await client.close();
    }
  });
});
