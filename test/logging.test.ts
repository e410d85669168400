import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import {
  type LoggingLevel,
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { SANDBOX_SEED, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { type Harness, secretValues, startHarness, testBasePaths } from "./helpers/harness.js";
import { succeeded } from "./helpers/outcome.js";
import {
  cleanEnv,
  connectHttpClient,
  type ServerProcess,
  startServerProcess,
} from "./helpers/server-process.js";

type LogParams = LoggingMessageNotification["params"];
const audioId = SANDBOX_SEED.aioz.audioId;
const severity: LoggingLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/** Collects every notifications/message the client receives. */
function listen(client: Client): LogParams[] {
  const messages: LogParams[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    messages.push(notification.params);
  });
  return messages;
}

function data(message: LogParams): Record<string, unknown> {
  return message.data as Record<string, unknown>;
}

function assertNoSecret(messages: LogParams[], secrets: string[]): void {
  const text = JSON.stringify(messages);
  for (const secret of secrets) assert.ok(!text.includes(secret), `a log message carries "${secret}"`);
}

describe("log messages to the client over stdio", () => {
  let h: Harness;
  let messages: LogParams[];

  before(async () => {
    // The server's own level is debug here, so whatever the client receives is its own choice of level.
    h = await startHarness({
      sandbox: { credentials: { aistudiosAppId: "sandbox-app", aistudiosUserKey: "sandbox-user-key" } },
      env: { AISTUDIOS_API_KEY: "", AISTUDIOS_APP_ID: "sandbox-app", AISTUDIOS_USER_KEY: "sandbox-user-key" },
    });
    messages = listen(h.client);
  });
  after(async () => {
    assertNoSecret(messages, secretValues(h.sandbox));
    await h?.close();
  });

  it("at level info, a retried provider request is reported with its provider, attempt, status and wait, and no debug line arrives", async () => {
    await h.client.setLoggingLevel("info");
    messages.length = 0;
    h.sandbox.aioz.inject({ route: `/media/${audioId}`, status: 503 });
    succeeded(await h.call("aioz_get_audio", { audio_id: audioId }));
    const retries = messages.filter((message) => data(message).message === "retrying provider request");
    assert.equal(retries.length, 1, JSON.stringify(messages));
    const [retry] = retries;
    assert.equal(retry?.level, "info");
    assert.equal(retry?.logger, "mediagate");
    assert.equal(data(retry as LogParams).provider, "aioz");
    assert.equal(data(retry as LogParams).attempt, 1);
    assert.equal(data(retry as LogParams).status, 503);
    assert.equal(typeof data(retry as LogParams).delayMs, "number");
    for (const message of messages) {
      assert.ok(
        severity.indexOf(message.level) >= severity.indexOf("info"),
        `below the level set: ${JSON.stringify(message)}`,
      );
    }
  });

  it("a Retry-After wait is reported with the provider's delay", async () => {
    await h.client.setLoggingLevel("info");
    messages.length = 0;
    h.sandbox.aioz.inject({ route: `/media/${audioId}`, status: 429, headers: { "retry-after": "1" } });
    succeeded(await h.call("aioz_get_audio", { audio_id: audioId }));
    const retry = messages.find((message) => data(message).message === "retrying provider request");
    assert.ok(retry, JSON.stringify(messages));
    assert.equal(data(retry).status, 429);
    assert.equal(data(retry).delayMs, 1000);
  });

  it("at level warning, the same retry sends nothing", async () => {
    await h.client.setLoggingLevel("warning");
    messages.length = 0;
    h.sandbox.aioz.clearRequests();
    h.sandbox.aioz.inject({ route: `/media/${audioId}`, status: 503 });
    succeeded(await h.call("aioz_get_audio", { audio_id: audioId }));
    assert.equal(h.sandbox.aioz.requests.length, 2, "the request was retried");
    assert.deepEqual(messages, []);
  });

  it("at level debug, each provider request is reported, with a secret in its path redacted", async () => {
    await h.client.setLoggingLevel("debug");
    messages.length = 0;
    const token = h.sandbox.credentials.aiozToken;
    // An id that repeats the credential: it travels in the path the debug line reports.
    await h.call("aioz_get_audio", { audio_id: token });
    const line = messages.find((message) => data(message).message === "provider request");
    assert.ok(line, JSON.stringify(messages));
    assert.equal(line.level, "debug");
    assert.equal(data(line).provider, "aioz");
    assert.match(String(data(line).path), /\[redacted\]/);
    assertNoSecret(messages, [token]);
  });

  it("a token the provider refuses is reported when the credentials are exchanged again", async () => {
    await h.client.setLoggingLevel("info");
    succeeded(await h.call("aistudios_list_models"));
    messages.length = 0;
    h.sandbox.aistudios.inject({ route: "/api/odin/v3/model", status: 401 });
    succeeded(await h.call("aistudios_list_models"));
    const refresh = messages.find((message) =>
      /exchanging the credentials again/.test(String(data(message).message)),
    );
    assert.ok(refresh, JSON.stringify(messages));
    assert.equal(refresh.level, "info");
    assert.equal(data(refresh).provider, "aistudios");
    const exchange = messages.find(
      (message) => data(message).message === "exchanging the AI Studios app id and user key for a token",
    );
    assert.ok(exchange, JSON.stringify(messages));
    assert.equal(exchange.level, "info");
  });

  it("a redirect to another origin is refused with a warning naming the provider, the status and why", async () => {
    await h.client.setLoggingLevel("warning");
    messages.length = 0;
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 302,
      body: "",
      headers: { location: "http://127.0.0.2:9/elsewhere/video/" },
    });
    const outcome = await h.call("videodb_list_videos");
    assert.equal(outcome.isError, true, outcome.text);
    const refused = messages.find((message) => data(message).message === "provider redirect refused");
    assert.ok(refused, JSON.stringify(messages));
    assert.equal(refused.level, "warning");
    assert.equal(data(refused).provider, "videodb");
    assert.equal(data(refused).status, 302);
    assert.match(String(data(refused).reason), /another origin/);
  });

  it("a job poll that fails for a while is reported as a warning, and the wait goes on", async () => {
    await h.client.setLoggingLevel("warning");
    const started = succeeded(await h.call("videodb_generate_video", { prompt: "a harbour", wait_s: 0 })) as {
      job: { id: string };
    };
    messages.length = 0;
    // job_wait's first poll is answered as usual; the three 503s after it outlast the client's own retries
    // of the next poll, so job_wait itself sees that poll fail.
    const poll = /^\/async-response\//;
    h.sandbox.videodb.inject({ route: poll, delayMs: 1 });
    h.sandbox.videodb.inject({ route: poll, status: 503, times: 3 });
    const waited = succeeded(await h.call("job_wait", { job_id: started.job.id, timeout_s: 30 })) as {
      job: { status: string };
    };
    assert.equal(waited.job.status, "done");
    const warning = messages.find(
      (message) => data(message).message === "job poll failed; waiting continues",
    );
    assert.ok(warning, JSON.stringify(messages));
    assert.equal(warning.level, "warning");
    assert.equal(data(warning).job, started.job.id);
    assert.match(String(data(warning).error), /VideoDB answered HTTP 503/);
  });
});

describe("log messages to the client over stateless Streamable HTTP", () => {
  let sandbox: Sandbox;
  let server: ServerProcess;
  let client: Client;

  before(async () => {
    sandbox = await startSandbox({ basePaths: testBasePaths });
    server = await startServerProcess([], cleanEnv({ ...sandbox.env(), MEDIAGATE_LOG_LEVEL: "info" }));
    client = await connectHttpClient(server.url);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await server?.kill();
    await sandbox?.close();
  });

  it("a retry reaches the client on the call's own stream, at the server's level (a set level does not outlive its request)", async () => {
    const messages = listen(client);
    // Accepted, but the next request is served by a server of its own: the server's level (info) applies.
    await client.setLoggingLevel("error");
    sandbox.aioz.inject({ route: `/media/${audioId}`, status: 503 });
    const result = await client.callTool({ name: "aioz_get_audio", arguments: { audio_id: audioId } });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    const retry = messages.find((message) => data(message).message === "retrying provider request");
    assert.ok(retry, JSON.stringify(messages));
    assert.equal(retry.level, "info");
    assert.equal(data(retry).provider, "aioz");
    assert.equal(data(retry).attempt, 1);
    assert.ok(
      messages.every((message) => message.level !== "debug"),
      "nothing below the server's level",
    );
    assertNoSecret(messages, secretValues(sandbox));
  });
});
