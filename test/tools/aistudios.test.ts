import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CallToolResult, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { SANDBOX_SEED } from "../../src/sandbox/index.js";
import { testBasePaths } from "../helpers/harness.js";
import {
  type InProcessHarness,
  inProcessForFile,
  startInProcess,
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
        { id: "BG00002320", name: "Navy suit", thumbnail },
        { id: "BG00002321", name: "Casual shirt", thumbnail },
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

interface Job {
  id: string;
  provider: string;
  kind: string;
  status: string;
  progress?: number;
  result?: Record<string, unknown>;
  error?: string;
}

const jobOf = (result: Record<string, unknown>) => result.job as Job;

/** The sandbox's presenter, with clothes of its own. */
const presenter = { language: "en", model: "M000045058", clothes: "BG00002320" };

/** Fetches a URL as a browser's video element would, and checks an MP4 arrives. */
async function assertPlayableMp4(url: string): Promise<void> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "video/mp4");
  const bytes = new Uint8Array(await response.arrayBuffer());
  assert.ok(bytes.length > 1000, `only ${bytes.length} bytes`);
  assert.equal(Buffer.from(bytes.subarray(4, 8)).toString("latin1"), "ftyp", "an ISO BMFF (MP4) file");
}

describe("aistudios_generate_video", () => {
  it("sends POST /api/odin/v3/simple/video {language, text, model, clothes, isExport: true, resolution, webhookUrl} once and names the job aistudios:{projectId}", async () => {
    const outcome = await h.call("aistudios_generate_video", {
      ...presenter,
      text: "Welcome to the quarterly update.",
      resolution: "720",
      webhook_url: "https://hooks.example.com/render",
      wait_s: 0,
    });
    const job = jobOf(succeeded(outcome));
    const request = onlyRequest(h.sandbox.aistudios.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, studioPath("/api/odin/v3/simple/video"));
    assert.equal(request.headers.authorization, h.sandbox.credentials.aistudiosApiKey);
    assert.deepEqual(request.body, {
      isExport: true,
      language: "en",
      text: "Welcome to the quarterly update.",
      model: "M000045058",
      clothes: "BG00002320",
      resolution: "720",
      webhookUrl: "https://hooks.example.com/render",
    });
    assert.match(job.id, /^aistudios:[0-9a-f]{24}$/);
    assert.equal(job.provider, "aistudios");
    assert.equal(job.kind, "video_generation");
    assert.equal(job.status, "processing");
    assert.match(outcome.text, /job_wait/);
  });

  it("leaves resolution and webhookUrl out when not given, so AI Studios applies its own default (1080)", async () => {
    succeeded(await h.call("aistudios_generate_video", { ...presenter, text: "Short.", wait_s: 0 }));
    const body = onlyRequest(h.sandbox.aistudios.requests).body as Record<string, unknown>;
    assert.equal("resolution" in body, false);
    assert.equal("webhookUrl" in body, false);
  });

  it("waits for the render and ends with project_id and a download_url that serves a playable MP4", async () => {
    const outcome = await h.call("aistudios_generate_video", {
      ...presenter,
      text: "A full run.",
      wait_s: 30,
    });
    const job = jobOf(succeeded(outcome));
    assert.equal(job.status, "done");
    assert.equal(job.progress, 100);
    const projectId = job.id.slice("aistudios:".length);
    assert.equal(job.result?.project_id, projectId);
    assert.equal(job.result?.media_type, "video", "what the player plays it as, even from job_wait");
    const url = String(job.result?.download_url);
    assert.ok(outcome.text.includes(url), "the URL is in the text too");
    const polls = h.sandbox.aistudios.requests.filter((r) =>
      r.route.startsWith("/api/odin/v3/editor/progress/"),
    );
    assert.ok(polls.length >= 1);
    for (const poll of polls) {
      assert.equal(poll.path, studioPath(`/api/odin/v3/editor/progress/${projectId}`));
      assert.equal(poll.headers.authorization, h.sandbox.credentials.aistudiosApiKey);
    }
    await assertPlayableMp4(url);
  });

  it("job_status asks GET /api/odin/v3/editor/progress/{projectId} and reports AI Studios' progress, which climbs until done", async () => {
    h.sandbox.aistudios.holdJobs = true;
    let id: string;
    const seen: number[] = [];
    try {
      id = jobOf(
        succeeded(await h.call("aistudios_generate_video", { ...presenter, text: "Hold", wait_s: 0 })),
      ).id;
      for (let i = 0; i < 2; i++) {
        h.sandbox.aistudios.clearRequests();
        const job = jobOf(succeeded(await h.call("job_status", { job_id: id })));
        const request = onlyRequest(h.sandbox.aistudios.requests);
        assert.equal(request.method, "GET");
        assert.equal(
          request.path,
          studioPath(`/api/odin/v3/editor/progress/${id.slice("aistudios:".length)}`),
        );
        assert.equal(job.id, id);
        assert.equal(job.status, "processing");
        assert.equal(typeof job.progress, "number");
        seen.push(job.progress as number);
      }
    } finally {
      h.sandbox.aistudios.holdJobs = false;
    }
    assert.ok((seen[0] ?? 0) >= 0 && (seen[1] ?? 100) < 100, `progress ${seen.join(", ")}`);
    assert.ok((seen[1] ?? 0) >= (seen[0] ?? 0), `progress ${seen.join(", ")} never goes back`);
    const done = jobOf(succeeded(await h.call("job_wait", { job_id: id, timeout_s: 30 })));
    assert.equal(done.status, "done");
    assert.equal(done.progress, 100);
    await assertPlayableMp4(String(done.result?.download_url));
  });

  it("clothes that are not the model's: AI Studios' refusal, with its message, after one request", async () => {
    const text = failed(
      await h.call("aistudios_generate_video", {
        language: "ko",
        text: "안녕하세요",
        model: "M000004017",
        clothes: "BG00002321",
      }),
      /AI Studios answered HTTP 400/,
      /clothes BG00002321 are not model M000004017's/,
    );
    assert.ok(!text.includes(h.sandbox.credentials.aistudiosApiKey), "no credential in the error");
    assert.equal(h.sandbox.aistudios.requests.length, 1);
  });

  it("is never sent twice: a 503 is reported after one request", async () => {
    h.sandbox.aistudios.inject({ route: "/api/odin/v3/simple/video", status: 503 });
    failed(await h.call("aistudios_generate_video", { ...presenter, text: "Once", wait_s: 0 }), /HTTP 503/);
    assert.equal(h.sandbox.aistudios.requests.length, 1);
  });

  it("an answer it cannot read says the render may have started and spent credits", async () => {
    h.sandbox.aistudios.inject({ route: "/api/odin/v3/simple/video", malformed: true });
    failed(
      await h.call("aistudios_generate_video", { ...presenter, text: "Broken", wait_s: 0 }),
      /AI Studios/,
      /may have started and spent credits/,
      /project dashboard/,
    );
    h.sandbox.aistudios.inject({
      route: "/api/odin/v3/simple/video",
      status: 200,
      body: JSON.stringify({ success: true, data: {} }),
    });
    failed(
      await h.call("aistudios_generate_video", { ...presenter, text: "No id", wait_s: 0 }),
      /without projectId/,
      /may have started and spent credits/,
    );
    assert.equal(h.sandbox.aistudios.requests.length, 2, "one request each");
  });

  it("runs as an MCP task that ends with the download URL", async () => {
    // The client asks for a task only for a tool it has seen listed as task-capable.
    await h.client.listTools();
    let created = false;
    let result: CallToolResult | undefined;
    for await (const message of h.client.experimental.tasks.callToolStream({
      name: "aistudios_generate_video",
      arguments: { ...presenter, text: "As a task" },
    })) {
      if (message.type === "taskCreated") created = true;
      else if (message.type === "result") result = message.result as CallToolResult;
      else if (message.type === "error") throw message.error;
    }
    assert.ok(created, "a task was created");
    assert.ok(result, "the task's result arrives");
    const job = (result.structuredContent as { job: Job }).job;
    assert.equal(job.status, "done");
    await assertPlayableMp4(String(job.result?.download_url));
  });
});

describe("aistudios_generate_video progress while it renders", () => {
  let slow: InProcessHarness;
  before(async () => {
    slow = await startInProcess({ sandbox: { jobDurationMs: 4000 } });
  });
  after(async () => {
    await slow?.close();
  });

  it("sends progress notifications that climb, each carrying AI Studios' percentage, until the video is done", async () => {
    const notifications: Array<{ progress: number; total?: number; message?: string }> = [];
    // Renders are held until two notifications have arrived, so at least two are sent while it renders
    // however slow the machine is.
    slow.sandbox.aistudios.holdJobs = true;
    const outcome = await slow.call(
      "aistudios_generate_video",
      { ...presenter, text: "Slowly, please.", wait_s: 30 },
      {
        onprogress: (update) => {
          notifications.push(update);
          if (notifications.length >= 2) slow.sandbox.aistudios.holdJobs = false;
        },
      },
    );
    slow.sandbox.aistudios.holdJobs = false;
    const job = jobOf(succeeded(outcome));
    assert.equal(job.status, "done");
    const rendering = notifications.filter((n) => n.message?.startsWith("processing"));
    assert.ok(rendering.length >= 2, `notifications: ${JSON.stringify(notifications)}`);
    for (let i = 1; i < notifications.length; i++) {
      assert.ok((notifications[i]?.progress ?? 0) > (notifications[i - 1]?.progress ?? 0), "they climb");
    }
    const percents = rendering.map((n) => Number(/\((\d+(?:\.\d+)?)%\)/.exec(n.message ?? "")?.[1]));
    for (const percent of percents) assert.ok(percent >= 0 && percent < 100, `percent ${percent}`);
    for (let i = 1; i < percents.length; i++) {
      assert.ok((percents[i] ?? 0) >= (percents[i - 1] ?? 0), `percentages ${percents.join(", ")}`);
    }
    await assertPlayableMp4(String(job.result?.download_url));
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

  it("AI Studios: a failed render is a failed job with AI Studios' own message", async () => {
    const outcome = await alt.call("aistudios_generate_video", { ...presenter, text: "Fail", wait_s: 30 });
    const job = jobOf(succeeded(outcome));
    assert.equal(job.status, "failed");
    assert.match(job.error ?? "", /video export failed/);
    assert.equal(job.result, undefined);
    assert.match(outcome.text, /failed/);
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
