import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { Emulator } from "../src/sandbox/index.js";
import { cliPath, type Harness, secretValues, startHarness } from "./helpers/harness.js";
import { failed, onlyRequest, routesOf, succeeded } from "./helpers/outcome.js";

/** Short enough that a slow answer times out quickly, long enough for loopback answers. */
const requestTimeoutMs = 400;
const video = "m-5a1f0c9e3b7d2468";
const aiozSeed = "4f6b2c1e-9d3a-4e7b-8c5f-0a1b2c3d4e5f";
const wrong = {
  videodb: "wrong-videodb-key-0001",
  aiozPublic: "wrong-aioz-public-0002",
  aiozSecret: "wrong-aioz-secret-0003",
  aistudiosApp: "wrong-app-0004",
  aistudiosUser: "wrong-user-key-0005",
  aiozToken: "wrong-aioz-token-0006",
  aistudiosKey: "wrong-aistudios-key-0007",
};

let h: Harness;
const harnesses: Harness[] = [];
/** Secret values of every harness, and every wrong credential tried: none may appear anywhere. */
const secrets = new Set<string>(Object.values(wrong));
/** stdout and stderr of raw child processes. */
const rawOutput: string[] = [];

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  const started = await startHarness({
    ...options,
    sandbox: { jobDurationMs: 100, ...options.sandbox },
    env: { MEDIAGATE_REQUEST_TIMEOUT_MS: String(requestTimeoutMs), ...options.env },
  });
  harnesses.push(started);
  for (const secret of secretValues(started.sandbox)) secrets.add(secret);
  return started;
}

function emulators(target: Harness = h): Emulator[] {
  return [target.sandbox.videodb, target.sandbox.aioz, target.sandbox.aistudios];
}

before(async () => {
  h = await harness();
});

beforeEach(() => {
  for (const emulator of emulators()) {
    emulator.clearRequests();
    emulator.clearFaults();
  }
});

after(async () => {
  try {
    const texts = [...harnesses.flatMap((each) => [...each.transcript, each.stderr()]), ...rawOutput];
    assert.ok(texts.join("").length > 0);
    for (const secret of secrets) {
      for (const text of texts)
        assert.ok(!text.includes(secret), `a secret value appears in: ${text.slice(0, 300)}`);
    }
  } finally {
    await Promise.all(harnesses.map((each) => each.close()));
  }
});

describe("authentication failures", () => {
  let bad: Harness;
  let badToken: Harness;

  before(async () => {
    bad = await harness({
      env: {
        VIDEODB_API_KEY: wrong.videodb,
        AIOZ_STREAM_TOKEN: "",
        AIOZ_STREAM_PUBLIC_KEY: wrong.aiozPublic,
        AIOZ_STREAM_SECRET_KEY: wrong.aiozSecret,
        AISTUDIOS_API_KEY: "",
        AISTUDIOS_APP_ID: wrong.aistudiosApp,
        AISTUDIOS_USER_KEY: wrong.aistudiosUser,
      },
    });
    badToken = await harness({
      env: { AIOZ_STREAM_TOKEN: wrong.aiozToken, AISTUDIOS_API_KEY: wrong.aistudiosKey },
    });
  });

  it("a wrong VideoDB key answers isError naming VideoDB, HTTP 401 and VIDEODB_API_KEY, without retrying", async () => {
    failed(await bad.call("videodb_list_videos"), /VideoDB/, /401/, /VIDEODB_API_KEY/, /Invalid API key/);
    assert.equal(bad.sandbox.videodb.requests.length, 1, "an auth failure is not retried");
  });

  it("wrong AIOZ public/secret keys answer isError naming AIOZ Stream, HTTP 403 and both key variables", async () => {
    failed(
      await bad.call("aioz_get_audio", { audio_id: aiozSeed }),
      /AIOZ Stream/,
      /HTTP 403/,
      /AIOZ_STREAM_PUBLIC_KEY/,
      /AIOZ_STREAM_SECRET_KEY/,
    );
  });

  it("a wrong AIOZ token answers isError naming HTTP 401 and AIOZ_STREAM_TOKEN", async () => {
    failed(await badToken.call("aioz_list_audio"), /AIOZ Stream/, /401/, /AIOZ_STREAM_TOKEN/);
  });

  it("a wrong AI Studios key answers isError naming AI Studios, HTTP 401 and AISTUDIOS_API_KEY", async () => {
    failed(await badToken.call("aistudios_list_models"), /AI Studios/, /401/, /AISTUDIOS_API_KEY/);
  });

  it("a refused AI Studios token exchange names AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY and sends no API request", async () => {
    bad.sandbox.aistudios.clearRequests();
    failed(
      await bad.call("aistudios_export_audio", { language: "en", text: "Hi", model: "M000045058" }),
      /AI Studios/,
      /401/,
      /AISTUDIOS_APP_ID/,
      /AISTUDIOS_USER_KEY/,
    );
    assert.deepEqual(
      bad.sandbox.aistudios.requests.map((request) => request.route),
      ["/api/odin/v3/auth/token"],
      "no audio request without a token",
    );
  });

  it("the error text never carries the wrong credentials either", async () => {
    // Its own failing calls, one per credential, so the check has something to read when run alone.
    const outcomes = [
      await bad.call("videodb_list_videos"),
      await bad.call("aioz_get_audio", { audio_id: aiozSeed }),
      await bad.call("aistudios_export_audio", { language: "en", text: "Hi", model: "M000045058" }),
      await badToken.call("aioz_list_audio"),
      await badToken.call("aistudios_list_models"),
    ];
    for (const outcome of outcomes) assert.equal(outcome.isError, true, outcome.text);
    const texts = [...outcomes.map((outcome) => outcome.text), bad.stderr(), badToken.stderr()].join("\n");
    for (const value of Object.values(wrong))
      assert.ok(!texts.includes(value), "a wrong credential is shown");
  });
});

describe("provider errors", () => {
  it("carries a VideoDB 400 message through, with status and remedy, and does not retry it", async () => {
    const outcome = await h.call("videodb_generate_stream", { video_id: video, timeline: [[0, 10_000]] });
    failed(outcome, /VideoDB/, /HTTP 400/, /beyond the video length/);
    assert.equal(h.sandbox.videodb.requests.filter((r) => r.method === "POST").length, 1);
  });

  it("carries an AIOZ 404 message through and suggests listing", async () => {
    failed(
      await h.call("aioz_get_audio", { audio_id: "no-such-audio" }),
      /AIOZ Stream/,
      /HTTP 404/,
      /media not found/,
      /list/,
    );
  });

  it("carries an AI Studios 400 error {code, msg} through", async () => {
    const outcome = await h.call("aistudios_export_audio", {
      language: "en",
      text: "Hello",
      model: "M000004017",
    });
    failed(outcome, /AI Studios/, /HTTP 400/, /does not speak en/);
  });

  it("carries a provider 500 message through", async () => {
    h.sandbox.aioz.inject({ route: "/media/create", status: 500 });
    failed(
      await h.call("aioz_create_audio", { title: "x" }),
      /AIOZ Stream/,
      /HTTP 500/,
      /Internal Server Error/,
    );
  });

  it("treats an error envelope sent with HTTP 200 as an error with the provider's message", async () => {
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 200,
      body: '{"success":false,"message":"Quota exceeded"}',
    });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /Quota exceeded/);
  });

  it("does not follow a redirect to another origin, so credentials stay with their provider", async () => {
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 302,
      body: "",
      headers: { location: `${h.sandbox.aioz.url}/media` },
    });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /302/, /not followed/, /base URL/);
    assert.equal(h.sandbox.aioz.requests.length, 0);
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });
});

describe("retries", () => {
  it("retries GET on 503 and succeeds on the next attempt", async () => {
    h.sandbox.videodb.inject({ route: "/video/", status: 503 });
    const result = succeeded(await h.call("videodb_list_videos"));
    assert.equal((result.videos as unknown[]).length, 2);
    assert.equal(h.sandbox.videodb.requests.length, 2);
  });

  it("retries on 429 honouring Retry-After, and succeeds", async () => {
    h.sandbox.aioz.inject({ route: `/media/${aiozSeed}`, status: 429, headers: { "retry-after": "0" } });
    succeeded(await h.call("aioz_get_audio", { audio_id: aiozSeed }));
    assert.equal(h.sandbox.aioz.requests.length, 2);
  });

  it("retries on 429 honouring X-RateLimit-Retry-After, and succeeds", async () => {
    h.sandbox.aioz.inject({ route: "/media/cost", status: 429, headers: { "x-ratelimit-retry-after": "0" } });
    succeeded(await h.call("aioz_estimate_transcode_cost", { qualities: ["good"], duration: 60 }));
    assert.equal(h.sandbox.aioz.requests.length, 2);
  });

  it("gives up at once on a Retry-After longer than it will wait, and says when to call again", async () => {
    h.sandbox.videodb.inject({ route: "/video/", status: 429, headers: { "retry-after": "120" }, times: 3 });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /429/, /after 120 s/);
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });

  it("gives up on a persistent 503 after 3 attempts, saying it retried", async () => {
    h.sandbox.videodb.inject({ route: "/video/", status: 503, times: 10 });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /HTTP 503/, /retried/);
    assert.equal(h.sandbox.videodb.requests.length, 3);
  });

  it("retries POST /media (a search, safe to repeat) on 503", async () => {
    h.sandbox.aioz.inject({ route: "/media", method: "POST", status: 503 });
    succeeded(await h.call("aioz_list_audio"));
    assert.equal(h.sandbox.aioz.requests.length, 2);
  });

  it("does not retry POST /media/create on 503", async () => {
    h.sandbox.aioz.inject({ route: "/media/create", status: 503, times: 3 });
    failed(await h.call("aioz_create_audio", { title: "Once" }), /AIOZ Stream/, /503/);
    assert.deepEqual(routesOf(h.sandbox.aioz.requests), ["POST /api/media/create"]);
  });

  it("does not retry POST /collection/{id}/generate/video/ on 503", async () => {
    h.sandbox.videodb.inject({ route: "/collection/default/generate/video/", status: 503, times: 3 });
    failed(await h.call("videodb_generate_video", { prompt: "Once", wait_s: 0 }), /VideoDB/, /503/);
    assert.equal(onlyRequest(h.sandbox.videodb.requests).method, "POST");
  });

  it("does not retry POST /api/odin/v3/simple/audio on 503", async () => {
    h.sandbox.aistudios.inject({ route: "/api/odin/v3/simple/audio", status: 503, times: 3 });
    failed(
      await h.call("aistudios_export_audio", { language: "en", text: "Once", model: "M000045058" }),
      /AI Studios/,
      /503/,
    );
    assert.equal(onlyRequest(h.sandbox.aistudios.requests).route, "/api/odin/v3/simple/audio");
  });

  it("does not retry a 429 on POST generate video either", async () => {
    h.sandbox.videodb.inject({
      route: "/collection/default/generate/video/",
      status: 429,
      headers: { "retry-after": "0" },
    });
    failed(await h.call("videodb_generate_video", { prompt: "Once", wait_s: 0 }), /429/);
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });
});

describe("timeouts", () => {
  it("times out a slow GET after the per-attempt limit and retries it", async () => {
    h.sandbox.videodb.inject({ route: "/video/", delayMs: requestTimeoutMs * 5 });
    succeeded(await h.call("videodb_list_videos"));
    assert.equal(h.sandbox.videodb.requests.length, 2);
  });

  it("gives up after 3 timed-out attempts with a timeout error naming the provider", async () => {
    h.sandbox.videodb.inject({ route: "/audio/", delayMs: requestTimeoutMs * 5, times: 3 });
    failed(await h.call("videodb_list_audios"), /VideoDB/, /no answer within 400 ms/);
    assert.equal(h.sandbox.videodb.requests.length, 3);
  });

  it("does not repeat POST generate video after a timeout", async () => {
    h.sandbox.videodb.inject({ route: "/collection/default/generate/video/", delayMs: requestTimeoutMs * 5 });
    failed(
      await h.call("videodb_generate_video", { prompt: "Slow", wait_s: 0 }),
      /VideoDB/,
      /no answer within/,
    );
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });
});

describe("broken answers", () => {
  it("a malformed JSON answer becomes a clear error naming the provider", async () => {
    h.sandbox.aioz.inject({ route: `/media/${aiozSeed}`, malformed: true });
    failed(await h.call("aioz_get_audio", { audio_id: aiozSeed }), /AIOZ Stream/, /not valid JSON/);
  });

  it("an empty answer becomes a clear error naming the provider", async () => {
    h.sandbox.aistudios.inject({ route: "/api/odin/v3/model", status: 200, body: "" });
    failed(await h.call("aistudios_list_models"), /AI Studios/, /empty/);
  });

  it("an empty error answer still names the provider and the status", async () => {
    h.sandbox.videodb.inject({ route: "/video/", status: 502, body: "", times: 3 });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /HTTP 502/);
  });

  it("an oversized answer becomes a clear error naming the provider", async () => {
    const huge = `{"success":true,"data":{"videos":[],"pad":"${"x".repeat(9 * 1024 * 1024)}"}}`;
    // Every attempt gets it: on a loaded machine reading 9 MiB can outlast this file's 400 ms attempt limit,
    // and the retry must not find an ordinary answer.
    h.sandbox.videodb.inject({ route: "/video/", status: 200, body: huge, times: 3 });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /larger than 8 MiB/);
  });

  it("an answer without the stream URL becomes a clear error naming the provider and the field", async () => {
    h.sandbox.videodb.inject({
      route: `/video/${video}/stream/`,
      status: 200,
      body: '{"success":true,"data":{}}',
    });
    failed(
      await h.call("videodb_generate_stream", { video_id: video, timeline: [[0, 10]] }),
      /VideoDB/,
      /stream_url/,
    );
  });

  it("an audio URL answer with neither stream_url nor signed_url is an error, not an empty URL", async () => {
    h.sandbox.videodb.inject({
      route: "/audio/a-7d2e4b9f1c6a3058/generate_url",
      status: 200,
      body: '{"success":true,"data":{"url":null}}',
    });
    failed(
      await h.call("videodb_generate_audio_url", { audio_id: "a-7d2e4b9f1c6a3058" }),
      /VideoDB/,
      /stream_url/,
    );
  });

  it("a text-to-speech answer without downloadUrl is an error naming AI Studios", async () => {
    h.sandbox.aistudios.inject({
      route: "/api/odin/v3/simple/audio",
      status: 200,
      body: '{"success":true,"data":{"fileName":"x.wav"}}',
    });
    failed(
      await h.call("aistudios_export_audio", { language: "en", text: "Hi", model: "M000045058" }),
      /AI Studios/,
      /downloadUrl/,
    );
  });

  it("a created audio without an id is an error naming AIOZ Stream", async () => {
    h.sandbox.aioz.inject({
      route: "/media/create",
      status: 201,
      body: '{"status":"success","data":{"title":"x"}}',
    });
    failed(await h.call("aioz_create_audio", { title: "x" }), /AIOZ Stream/, /id/);
  });

  it("an answer that breaks off mid-body on GET is retried and the call succeeds", async () => {
    h.sandbox.videodb.inject({ route: "/video/", truncated: true });
    succeeded(await h.call("videodb_list_videos"));
    assert.equal(h.sandbox.videodb.requests.length, 2);
  });

  it("an answer that breaks off every time is a truncated answer naming the provider and the status", async () => {
    h.sandbox.videodb.inject({ route: "/video/", truncated: true, times: 3 });
    const text = failed(await h.call("videodb_list_videos"), /VideoDB/, /truncated/, /HTTP 200/);
    assert.doesNotMatch(text, /could not reach/);
  });

  it("a truncated answer to a POST that spends credits is not repeated, and says it may have been carried out", async () => {
    h.sandbox.videodb.inject({ route: "/collection/default/generate/video/", truncated: true });
    failed(
      await h.call("videodb_generate_video", { prompt: "A cut-off answer", wait_s: 0 }),
      /VideoDB/,
      /truncated/,
      /may have been carried out/,
    );
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });

  it("a 204 No Content answer to DELETE is a success", async () => {
    h.sandbox.aioz.inject({ route: "/media/some-audio", method: "DELETE", status: 204, body: "" });
    assert.deepEqual(succeeded(await h.call("aioz_delete_audio", { audio_id: "some-audio" })), {
      deleted: true,
      audio_id: "some-audio",
    });
  });

  it("a dropped connection on GET is retried and the call succeeds", async () => {
    h.sandbox.aistudios.inject({ route: "/api/odin/v3/model", drop: true });
    succeeded(await h.call("aistudios_list_models"));
    assert.equal(h.sandbox.aistudios.requests.length, 2);
  });

  it("a connection dropped every time becomes a network error naming the provider", async () => {
    h.sandbox.videodb.inject({ route: "/video/", drop: true, times: 3 });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /could not reach/);
    assert.equal(h.sandbox.videodb.requests.length, 3);
  });

  it("a connection dropped on POST /media/create is not repeated", async () => {
    h.sandbox.aioz.inject({ route: "/media/create", drop: true });
    failed(await h.call("aioz_create_audio", { title: "Dropped" }), /AIOZ Stream/);
    assert.equal(h.sandbox.aioz.requests.length, 1);
  });

  it("the server keeps serving after every failure above", async () => {
    succeeded(await h.call("videodb_list_audios"));
  });
});

describe("cancellation", () => {
  /**
   * A server whose time limits are far longer than any test: when the provider sees its connection closed,
   * only the cancellation can have closed it.
   */
  let patient: Harness;
  before(async () => {
    patient = await harness({
      env: { MEDIAGATE_REQUEST_TIMEOUT_MS: "600000", MEDIAGATE_REQUEST_BUDGET_MS: "600000" },
    });
  });

  it("stops an in-flight provider request when the client cancels, and sends no retry", async () => {
    const videodb = patient.sandbox.videodb;
    videodb.clearRequests();
    videodb.inject({ route: "/video/", delayMs: 600_000, times: 3 });
    const controller = new AbortController();
    const call = patient.call("videodb_list_videos", {}, { signal: controller.signal });
    while (videodb.requests.length === 0) await sleep(10);
    controller.abort();
    await assert.rejects(call, /abort/i);
    // The provider sees the request's connection closed: the cancellation reached the request itself.
    await videodb.untilAbandoned(1);
    assert.deepEqual(
      videodb.abandoned.map((request) => `${request.method} ${request.route}`),
      ["GET /video/"],
    );
    // A retry would follow the failed attempt after a backoff of at most a second.
    await sleep(1500);
    assert.equal(videodb.requests.length, 1);
    videodb.clearFaults();
    succeeded(await patient.call("videodb_list_videos"));
  });

  it("stops polling a job when the client cancels job_wait", async () => {
    const videodb = patient.sandbox.videodb;
    const started = succeeded(
      await patient.call("videodb_generate_video", { prompt: "Cancel me", wait_s: 0 }),
    );
    const id = String((started.job as Record<string, unknown>).id);
    videodb.inject({ route: /^\/async-response\//, delayMs: 600_000, times: 10 });
    videodb.clearRequests();
    const controller = new AbortController();
    const call = patient.call("job_wait", { job_id: id, timeout_s: 30 }, { signal: controller.signal });
    while (videodb.requests.length === 0) await sleep(10);
    controller.abort();
    await assert.rejects(call, /abort/i);
    await videodb.untilAbandoned(1);
    assert.deepEqual(
      videodb.abandoned.map((request) => `${request.method} ${request.route}`),
      [`GET /async-response/${id.replace(/^videodb:/, "")}`],
    );
    // The next poll would come a poll interval (at most 2 s) after the last answer.
    await sleep(2500);
    assert.equal(videodb.requests.length, 1, routesOf(videodb.requests).join(", "));
  });
});

describe("configuration", () => {
  it("hides the tools of unconfigured providers: only VideoDB configured lists no aioz_ or aistudios_ tool", async () => {
    const only = await harness({ env: { AIOZ_STREAM_TOKEN: "", AISTUDIOS_API_KEY: "" } });
    const names = (await only.client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes("videodb_list_videos"));
    assert.ok(names.includes("job_status") && names.includes("job_wait"));
    assert.deepEqual(
      names.filter((name) => name.startsWith("aioz_") || name.startsWith("aistudios_")),
      [],
    );
  });

  it("with no provider configured, lists every tool and each call names the variable to set", async () => {
    const none = await harness({ withoutCredentials: true });
    const names = (await none.client.listTools()).tools.map((tool) => tool.name).sort();
    const file = path.join(none.filesDir, "a.wav");
    await writeFile(file, Buffer.alloc(64));
    const calls: Record<string, [Record<string, unknown>, RegExp]> = {
      videodb_list_videos: [{}, /VIDEODB_API_KEY/],
      videodb_list_audios: [{}, /VIDEODB_API_KEY/],
      videodb_generate_stream: [{ video_id: video }, /VIDEODB_API_KEY/],
      videodb_generate_audio_url: [{ audio_id: "a-1" }, /VIDEODB_API_KEY/],
      videodb_generate_video: [{ prompt: "x", wait_s: 0 }, /VIDEODB_API_KEY/],
      videodb_upload: [{ file_path: file, wait_s: 0 }, /VIDEODB_API_KEY/],
      videodb_get_video: [{ video_id: video }, /VIDEODB_API_KEY/],
      videodb_delete_video: [{ video_id: video }, /VIDEODB_API_KEY/],
      videodb_index_spoken_words: [{ video_id: video, wait_s: 0 }, /VIDEODB_API_KEY/],
      videodb_search: [{ query: "x" }, /VIDEODB_API_KEY/],
      videodb_get_transcript: [{ video_id: video }, /VIDEODB_API_KEY/],
      videodb_generate_audio: [{ kind: "music", prompt: "x", wait_s: 0 }, /VIDEODB_API_KEY/],
      videodb_generate_image: [{ prompt: "x", wait_s: 0 }, /VIDEODB_API_KEY/],
      aioz_create_audio: [{ title: "x" }, /AIOZ_STREAM_TOKEN/],
      aioz_list_audio: [{}, /AIOZ_STREAM_TOKEN/],
      aioz_get_audio: [{ audio_id: "x" }, /AIOZ_STREAM_TOKEN/],
      aioz_update_audio: [{ audio_id: "x", title: "y" }, /AIOZ_STREAM_TOKEN/],
      aioz_delete_audio: [{ audio_id: "x" }, /AIOZ_STREAM_TOKEN/],
      aioz_estimate_transcode_cost: [{ qualities: ["good"], duration: 1 }, /AIOZ_STREAM_TOKEN/],
      aioz_upload_audio_part: [{ audio_id: "x", file_path: file, index: 1 }, /AIOZ_STREAM_TOKEN/],
      aioz_complete_audio_upload: [{ audio_id: "x", wait_s: 0 }, /AIOZ_STREAM_TOKEN/],
      aioz_upload_audio: [{ file_path: file, wait_s: 0 }, /AIOZ_STREAM_TOKEN/],
      aistudios_list_models: [{}, /AISTUDIOS_API_KEY/],
      aistudios_export_audio: [{ language: "en", text: "x", model: "M000045058" }, /AISTUDIOS_API_KEY/],
      aistudios_generate_video: [
        { language: "en", text: "x", model: "M000045058", clothes: "BG00002320", wait_s: 0 },
        /AISTUDIOS_API_KEY/,
      ],
      job_status: [{ job_id: "videodb:job-1" }, /VIDEODB_API_KEY/],
      job_wait: [{ job_id: "aioz:x", timeout_s: 1 }, /AIOZ_STREAM_TOKEN/],
    };
    assert.deepEqual(names, Object.keys(calls).sort());
    for (const [name, [args, variable]] of Object.entries(calls)) {
      const outcome = await none.call(name, args);
      assert.equal(outcome.isError, true, `${name}: ${outcome.text}`);
      assert.match(outcome.text, variable, name);
      assert.match(outcome.text, /not configured/, name);
    }
    assert.equal(emulators(none).flatMap((emulator) => emulator.requests).length, 0);
  });
});

describe("stdio", () => {
  it("stdout carries only JSON-RPC messages, even with debug logs and failing calls", async () => {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      ...h.sandbox.env(),
      MEDIAGATE_LOG_LEVEL: "debug",
      MEDIAGATE_FILE_ROOTS: h.filesDir,
    };
    const child = spawn(process.execPath, [cliPath], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const send = (message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
    const answered = async (id: number) => {
      while (
        !stdout.split("\n").some((line) => line.includes(`"id":${id},`) || line.includes(`"id":${id}}`))
      ) {
        if (child.exitCode !== null) throw new Error(`server exited: ${stderr}`);
        await sleep(10);
      }
    };
    try {
      send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "raw", version: "1" },
        },
      });
      await answered(1);
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      send({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "aioz_get_audio", arguments: { audio_id: "missing" } },
      });
      send({
        jsonrpc: "2.0",
        id: 4,
        method: "tools/call",
        params: { name: "videodb_generate_video", arguments: { duration: 99 } },
      });
      send({
        jsonrpc: "2.0",
        id: 5,
        method: "tools/call",
        params: { name: "videodb_list_videos", arguments: {} },
      });
      await Promise.all([2, 3, 4, 5].map(answered));
    } finally {
      child.stdin.end();
      child.kill();
      await exited;
      rawOutput.push(stdout, stderr);
    }
    const lines = stdout.split("\n").filter((line) => line !== "");
    assert.ok(lines.length >= 5);
    for (const line of lines) {
      const message = JSON.parse(line) as Record<string, unknown>;
      assert.equal(message.jsonrpc, "2.0", line);
    }
    assert.match(stderr, /mediagate/, "logs go to stderr");
    const byId = new Map(
      lines
        .map((line) => JSON.parse(line) as { id?: number; result?: Record<string, unknown> })
        .map((m) => [m.id, m]),
    );
    assert.equal(byId.get(3)?.result?.isError, true);
    assert.equal(byId.get(4)?.result?.isError, true);
    assert.notEqual(byId.get(5)?.result?.isError, true);
  });
});
