import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { SANDBOX_SEED, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { type LocalSandbox, startLocalSandbox } from "../src/sandbox/local.js";
import { originForFile } from "./helpers/origin.js";
import {
  cleanEnv,
  connectHttpClient,
  type ServerProcess,
  startServerProcess,
} from "./helpers/server-process.js";

/** One raw request with the Host header given, as a page rebinding its own name to 127.0.0.1 sends it. */
function get(
  origin: string,
  path: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(path, origin);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, headers: { ...headers, host } },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString("utf8");
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const seedPath = `/api/media/${SANDBOX_SEED.aioz.audioId}`;

describe("the sandbox's emulators answer only their own names, with credentials of their own", () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(async () => {
    await sandbox?.close();
  });

  test("a request naming another host is refused with 421 and not recorded, whatever it asks for", async () => {
    const port = new URL(sandbox.aioz.origin).port;
    sandbox.aioz.clearRequests();
    const auth = { authorization: `Bearer ${sandbox.credentials.aiozToken}` };
    for (const host of [`rebound.example:${port}`, "rebound.example", `127.0.0.1:${Number(port) + 1}`]) {
      const answer = await get(sandbox.aioz.origin, seedPath, host, auth);
      assert.equal(answer.status, 421, `Host: ${host}`);
      assert.doesNotMatch(answer.body, /4f6b2c1e/, "the answer carries nothing of the sandbox");
    }
    const media = `/api/media/${SANDBOX_SEED.aioz.audioId}/source`;
    assert.equal((await get(sandbox.aioz.origin, media, `rebound.example:${port}`)).status, 421);
    assert.deepEqual(sandbox.aioz.requests, []);
  });

  test("its own address and port, and localhost with the port, are answered", async () => {
    const port = new URL(sandbox.aioz.origin).port;
    const auth = { authorization: `Bearer ${sandbox.credentials.aiozToken}` };
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      const answer = await get(sandbox.aioz.origin, seedPath, host, auth);
      assert.equal(answer.status, 200, `Host: ${host}: ${answer.body}`);
    }
  });

  test("credentials are new at every start; the ones once published open nothing", async () => {
    const other = await startSandbox();
    try {
      for (const [name, value] of Object.entries(sandbox.credentials)) {
        assert.notEqual(value, other.credentials[name as keyof typeof other.credentials], name);
        assert.ok(value.length >= 24, `${name} is long enough not to guess`);
      }
      const host = new URL(sandbox.aioz.origin).host;
      const published = await get(sandbox.aioz.origin, seedPath, host, {
        authorization: "Bearer sandbox-aioz-token",
      });
      assert.equal(published.status, 401);
      // What the server is given comes from env(): the same run's values.
      assert.equal(sandbox.env().AIOZ_STREAM_TOKEN, sandbox.credentials.aiozToken);
      assert.equal(sandbox.env().VIDEODB_API_KEY, sandbox.credentials.videodbApiKey);
    } finally {
      await other.close();
    }
  });

  test("credentials given at start are used as given", async () => {
    const fixed = await startSandbox({ credentials: { aiozToken: "fixed-aioz-token" } });
    try {
      assert.equal(fixed.credentials.aiozToken, "fixed-aioz-token");
      const host = new URL(fixed.aioz.origin).host;
      const answer = await get(fixed.aioz.origin, seedPath, host, {
        authorization: "Bearer fixed-aioz-token",
      });
      assert.equal(answer.status, 200);
    } finally {
      await fixed.close();
    }
  });
});

describe("what the emulators record of the requests they receive", () => {
  test("under test: the last `limit` requests, bodies included", async () => {
    const sandbox = await startSandbox({ recording: { limit: 3 } });
    try {
      const auth = { authorization: `Bearer ${sandbox.credentials.aiozToken}` };
      for (const title of ["one", "two", "three", "four", "five"]) {
        const answer = await fetch(`${sandbox.aioz.url}/media/create`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ title, type: "audio" }),
        });
        await answer.arrayBuffer();
      }
      assert.deepEqual(
        sandbox.aioz.requests.map((recorded) => (recorded.body as { title: string }).title),
        ["three", "four", "five"],
      );
    } finally {
      await sandbox.close();
    }
  });

  test("the user-facing sandbox keeps its last 200 requests, without bodies", async () => {
    const local: LocalSandbox = await startLocalSandbox(cleanEnv());
    const { sandbox } = local;
    try {
      const auth = { authorization: `Bearer ${sandbox.credentials.aiozToken}` };
      for (let n = 0; n < 205; n++) {
        const answer = await fetch(`${sandbox.aioz.url}/media/create`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({ title: `take ${n}`, type: "audio" }),
        });
        await answer.arrayBuffer();
      }
      assert.equal(sandbox.aioz.requests.length, 200);
      const first = sandbox.aioz.requests[0];
      assert.equal(first?.route, "/media/create");
      assert.equal(first?.body, undefined, "no body is kept");
      assert.ok((first?.bodyBytes ?? 0) > 0, "its size is");
    } finally {
      await sandbox.close();
    }
  });
});

describe("mediagate --sandbox --http --host 0.0.0.0: url sources", () => {
  const token = "sandbox-exposure-test-token-0123456789";
  let server: ServerProcess;
  let client: Client;
  const arrived: string[] = [];
  /** Another service on this machine: a loopback port that is none of the emulators'. */
  const neighbour = originForFile((req, res) => {
    arrived.push(req.url ?? "");
    res.writeHead(200, { "content-type": "audio/mpeg", "content-length": "4" }).end("ID3\0");
  });

  before(async () => {
    server = await startServerProcess(
      ["--sandbox", "--host", "0.0.0.0"],
      cleanEnv({ MEDIAGATE_HTTP_TOKEN: token, MEDIAGATE_LOG_LEVEL: "warn" }),
    );
    const port = new URL(server.url).port;
    client = await connectHttpClient(`http://127.0.0.1:${port}/mcp`, { authorization: `Bearer ${token}` });
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await server?.kill();
  });

  async function upload(url: string): Promise<CallToolResult> {
    return (await client.callTool({
      name: "aioz_upload_audio",
      arguments: { url, title: "From a url", wait_s: 0 },
    })) as CallToolResult;
  }
  const textOf = (result: CallToolResult) =>
    result.content.map((block) => (block.type === "text" ? block.text : "")).join("\n");

  test("a URL the sandbox handed out is fetched and uploaded", async () => {
    const seed = (await client.callTool({
      name: "aioz_get_audio",
      arguments: { audio_id: SANDBOX_SEED.aioz.audioId },
    })) as CallToolResult;
    const source = (seed.structuredContent as { audio: { source_url?: string } }).audio.source_url;
    if (!source?.startsWith("http://127.0.0.1:"))
      assert.fail(`no sandbox asset URL in ${JSON.stringify(seed)}`);
    const result = await upload(source);
    assert.notEqual(result.isError, true, textOf(result));
  });

  test("another loopback port is refused, and no request reaches it", async () => {
    arrived.length = 0;
    const result = await upload(`${neighbour.url}/take.mp3`);
    assert.equal(result.isError, true, textOf(result));
    assert.match(
      textOf(result),
      /^url: 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private or loopback address/m,
    );
    assert.deepEqual(arrived, [], "a request reached the other service");
  });

  test("the cloud metadata address is refused before any connection", async () => {
    const result = await upload("http://169.254.169.254/latest/meta-data/iam/security-credentials/");
    assert.equal(result.isError, true, textOf(result));
    assert.match(textOf(result), /169\.254\.169\.254, a private or loopback address/);
  });
});
