import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { SANDBOX_SEED } from "../../src/sandbox/index.js";
import { testBasePaths } from "../helpers/harness.js";
import {
  type InProcessHarness,
  inProcessForFile,
  startWithAlternativeCredentials,
} from "../helpers/in-process.js";
import { failed, onlyRequest, routesOf, succeeded } from "../helpers/outcome.js";

const studioPath = (route: string) => `${testBasePaths.aistudios}${route}`;

const h = inProcessForFile({ sandbox: { jobDurationMs: 200 } });

describe("AI Studios tools", () => {
  it("aistudios_list_models sends GET /api/odin/v3/model with the raw key in Authorization (no Bearer)", async () => {
    const result = succeeded(await h.call("aistudios_list_models"));
    const request = onlyRequest(h.sandbox.aistudios.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, studioPath("/api/odin/v3/model"));
    assert.equal(request.headers.authorization, h.sandbox.credentials.aistudiosApiKey);
    const models = result.models as Record<string, unknown>[];
    const thumbnail = `${h.sandbox.aistudios.origin}/sandbox/aistudios/thumbnails/M000045058.svg`;
    assert.deepEqual(models[0], {
      id: "M000045058",
      name: "Sandbox presenter",
      thumbnail,
      clothes: [
        { id: "1", name: "Navy suit", thumbnail },
        { id: "2", name: "Casual shirt", thumbnail },
      ],
    });
    assert.equal(models.length, SANDBOX_SEED.aistudios.modelIds.length);
  });

  it("aistudios_export_audio sends POST /api/odin/v3/simple/audio {language, text, model} and returns the download URL", async () => {
    const outcome = await h.call("aistudios_export_audio", {
      language: "en",
      text: "Hello, this is test video",
      model: "M000045058",
    });
    const result = succeeded(outcome);
    const request = onlyRequest(h.sandbox.aistudios.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, studioPath("/api/odin/v3/simple/audio"));
    assert.equal(request.headers.authorization, h.sandbox.credentials.aistudiosApiKey);
    assert.deepEqual(request.body, {
      language: "en",
      text: "Hello, this is test video",
      model: "M000045058",
    });
    assert.match(String(result.file_name), /\.wav$/);
    assert.match(String(result.download_url), new RegExp(`/${result.file_name}$`));
    assert.ok(Array.isArray(result.meta) && result.meta.length === 1);
    assert.equal((result.meta as Record<string, unknown>[])[0]?.language, "en");
    assert.ok(outcome.text.includes(String(result.download_url)));
  });
});

describe("alternative credentials", () => {
  let alt: InProcessHarness;

  before(async () => {
    alt = await startWithAlternativeCredentials();
  });

  after(async () => {
    await alt?.close();
  });
  it("AI Studios appId + userKey: exchanges them once at POST /api/odin/v3/auth/token and reuses the token", async () => {
    succeeded(await alt.call("aistudios_list_models"));
    succeeded(
      await alt.call("aistudios_export_audio", { language: "ko", text: "안녕하세요", model: "M000004017" }),
    );
    const requests = alt.sandbox.aistudios.requests;
    assert.deepEqual(routesOf(requests), [
      `POST ${studioPath("/api/odin/v3/auth/token")}`,
      `GET ${studioPath("/api/odin/v3/model")}`,
      `POST ${studioPath("/api/odin/v3/simple/audio")}`,
    ]);
    const [exchange, first, second] = requests;
    assert.deepEqual(exchange?.body, { appId: "sandbox-app", userKey: "sandbox-user-key" });
    assert.equal(exchange?.headers.authorization, undefined, "the exchange carries no Authorization");
    const token = first?.headers.authorization;
    assert.ok(token && token.length > 10);
    assert.doesNotMatch(token, /^Bearer /);
    assert.notEqual(token, "sandbox-user-key");
    assert.equal(second?.headers.authorization, token, "the cached token is reused");
  });

  it("AI Studios: a cached token the provider refuses is exchanged again once, and the call succeeds", async () => {
    succeeded(await alt.call("aistudios_list_models"));
    alt.sandbox.aistudios.clearRequests();
    alt.sandbox.aistudios.inject({ route: "/api/odin/v3/model", status: 401 });
    succeeded(await alt.call("aistudios_list_models"));
    const requests = alt.sandbox.aistudios.requests;
    assert.deepEqual(routesOf(requests), [
      `GET ${studioPath("/api/odin/v3/model")}`,
      `POST ${studioPath("/api/odin/v3/auth/token")}`,
      `GET ${studioPath("/api/odin/v3/model")}`,
    ]);
    assert.notEqual(requests[2]?.headers.authorization, requests[0]?.headers.authorization, "a fresh token");
  });

  it("AI Studios: an error message that echoes the exchanged token shows it redacted", async () => {
    alt.sandbox.aistudios.clearRequests();
    succeeded(await alt.call("aistudios_list_models"));
    const token = alt.sandbox.aistudios.requests.at(-1)?.headers.authorization;
    assert.ok(token && token.length > 10);
    alt.sandbox.aistudios.inject({
      route: "/api/odin/v3/simple/audio",
      status: 400,
      body: JSON.stringify({ success: false, error: { code: "E400", msg: `token ${token} has no credit` } }),
    });
    const text = failed(
      await alt.call("aistudios_export_audio", { language: "en", text: "Hi", model: "M000045058" }),
      /AI Studios/,
      /HTTP 400/,
      /\[redacted\] has no credit/,
    );
    assert.ok(!text.includes(token), `the token appears in: ${text}`);
  });
});

describe("a token exchange shared by concurrent calls", () => {
  it("the call that started it cancelled, the other call still gets the token and succeeds", async () => {
    const fresh = await startWithAlternativeCredentials();
    try {
      let joined!: () => void;
      const secondJoined = new Promise<void>((resolve) => {
        joined = resolve;
      });
      fresh.client.setNotificationHandler(LoggingMessageNotificationSchema, ({ params }) => {
        const message = String((params.data as { message?: unknown }).message);
        if (/waiting for the AI Studios token exchange/.test(message)) joined();
      });
      await fresh.client.setLoggingLevel("debug");
      let release!: () => void;
      let arrived!: () => void;
      const exchangeHeld = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      fresh.sandbox.aistudios.inject({
        route: "/api/odin/v3/auth/token",
        until: new Promise<void>((resolve) => {
          release = resolve;
        }),
        onHold: () => arrived(),
      });

      const controller = new AbortController();
      const first = fresh.call("aistudios_list_models", {}, { signal: controller.signal });
      first.catch(() => undefined);
      await exchangeHeld;
      const second = fresh.call("aistudios_list_models");
      await secondJoined;
      controller.abort("the user changed their mind");
      await assert.rejects(first, /abort|changed their mind/i);
      // The server reads messages in order: once it answers a ping sent after the cancel, it has acted on it.
      await fresh.client.ping();
      release();
      succeeded(await second);
      assert.deepEqual(fresh.sandbox.aistudios.abandoned, [], "the exchange was not given up");
      assert.deepEqual(routesOf(fresh.sandbox.aistudios.requests), [
        `POST ${studioPath("/api/odin/v3/auth/token")}`,
        `GET ${studioPath("/api/odin/v3/model")}`,
      ]);
    } finally {
      await fresh.close();
    }
  });
});
