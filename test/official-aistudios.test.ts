import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, beforeEach, describe, it } from "node:test";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { testBasePaths } from "./helpers/harness.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";
import { failed, onlyRequest, succeeded } from "./helpers/outcome.js";
import { cleanEnv, runCli } from "./helpers/server-process.js";
import { assertShapeCovers } from "./helpers/shape.js";

/**
 * AI Studios' own examples (test/fixtures/official/aistudios/, each naming its page in DeepBrain-AI/docs)
 * replayed through the tools.
 */

type Json = Record<string, unknown>;
const asRecord = (value: unknown) => value as Json;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./fixtures/official/aistudios/${name}.json`, import.meta.url), "utf8"));

const modelList = fixture("model-list");
const simpleAudio = fixture("simple-audio");
const simpleVideo = fixture("simple-video");
const progress = fixture("progress");

let h: InProcessHarness;
/** The same emulators, reached with app id + user key instead of a raw token. */
let exchanged: InProcessHarness;

before(async () => {
  [h, exchanged] = await Promise.all([
    startInProcess(),
    startInProcess({
      sandbox: { credentials: { aistudiosAppId: "app-0001", aistudiosUserKey: "user-key-0001" } },
      env: { AISTUDIOS_API_KEY: "", AISTUDIOS_APP_ID: "app-0001", AISTUDIOS_USER_KEY: "user-key-0001" },
    }),
  ]);
});

beforeEach(() => {
  for (const each of [h, exchanged]) {
    each.clearRequests();
    each.sandbox.aistudios.clearFaults();
  }
});

after(async () => {
  await Promise.all([h?.close(), exchanged?.close()]);
});

const studioPath = (route: string) => `${testBasePaths.aistudios}${route}`;

function answerWith(route: string, answer: unknown): void {
  h.sandbox.aistudios.inject({ route, status: 200, body: JSON.stringify(answer) });
}

describe("AI Studios examples replayed through the tools", () => {
  it("aistudios_list_models reads label.en (else label.ko) as the name, keeps thumbnails and names the clothes", async () => {
    answerWith("/api/odin/v3/model", modelList.answer);
    const outcome = await h.call("aistudios_list_models");
    const result = succeeded(outcome);
    const request = onlyRequest(h.sandbox.aistudios.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, studioPath((modelList.request as { path: string }).path));
    assert.equal(request.headers.authorization, h.sandbox.credentials.aistudiosApiKey);
    assert.deepEqual(result.models, [
      {
        id: "M000045058",
        name: "Model",
        thumbnail: "https://cdn.aistudios.com/ai/model-introduce/thumbnails/M000045058_BG00002320.png",
        clothes: [
          {
            id: "BG00002320",
            name: "Suit",
            thumbnail: "https://cdn.aistudios.com/ai/ai_mov_thm/tight_ai_mov_thm_M000045058_BG00002320.png",
          },
        ],
      },
      {
        id: "M000004017",
        name: "앵커",
        thumbnail: "https://cdn.aistudios.com/ai/model-introduce/thumbnails/M000004017.png",
      },
    ]);
    assert.ok(!outcome.text.includes("languages"), "the document has no language list, so none is claimed");
  });

  it("aistudios_list_models against the emulator gives every model its clothes with their English names", async () => {
    const result = succeeded(await h.call("aistudios_list_models"));
    for (const model of result.models as Json[]) {
      assert.equal(typeof model.name, "string");
      assert.match(String(model.thumbnail), /\/sandbox\/aistudios\/thumbnails\//);
      for (const cloth of model.clothes as Json[]) assert.match(String(cloth.name), /^[A-Z][a-z]/);
    }
  });

  it("aistudios_export_audio sends the document's sample request and returns the documented fields", async () => {
    answerWith("/api/odin/v3/simple/audio", simpleAudio.answer);
    const sample = (simpleAudio.request as { body: Json }).body;
    const result = succeeded(await h.call("aistudios_export_audio", sample));
    const request = onlyRequest(h.sandbox.aistudios.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, studioPath("/api/odin/v3/simple/audio"));
    assert.deepEqual(request.body, sample);
    assert.deepEqual(result, {
      file_name: "M000045058_audio.wav",
      download_url: "https://cdn.aistudios.com/audio/M000045058_audio.wav",
      meta: [{ duration: 1.6 }],
    });
  });
});

describe("AI Studios presenter video examples replayed through the tools", () => {
  const sample = (simpleVideo.request as { body: Json }).body;
  const projectId = (asRecord(simpleVideo.answer).data as Json).projectId as string;
  const progressRoute = `/api/odin/v3/editor/progress/${projectId}`;
  const answers = progress.answers as Record<"rendering" | "finishing" | "done" | "failed", Json>;

  async function statusAfter(answer: Json): Promise<Json> {
    answerWith(progressRoute, answer);
    const outcome = await h.call("job_status", { job_id: `aistudios:${projectId}` });
    const request = onlyRequest(h.sandbox.aistudios.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, studioPath((progress.request as { path: string }).path));
    h.clearRequests();
    return succeeded(outcome).job as Json;
  }

  it("aistudios_generate_video sends the document's sample request and follows the project it answers", async () => {
    answerWith("/api/odin/v3/simple/video", simpleVideo.answer);
    const result = succeeded(
      await h.call("aistudios_generate_video", {
        language: sample.language,
        text: sample.text,
        model: sample.model,
        clothes: sample.clothes,
        webhook_url: sample.webhookUrl,
        wait_s: 0,
      }),
    );
    const request = onlyRequest(h.sandbox.aistudios.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, studioPath("/api/odin/v3/simple/video"));
    assert.deepEqual(request.body, sample);
    assert.deepEqual(result.job, {
      id: `aistudios:${projectId}`,
      provider: "aistudios",
      kind: "video_generation",
      status: "processing",
      poll_after_ms: 1000,
    });
  });

  it("job_status reads progress below 100 as rendering, with that progress", async () => {
    const job = await statusAfter(answers.rendering);
    assert.equal(job.status, "processing");
    assert.equal(job.progress, 42.5);
  });

  it("job_status keeps a progress of 100 without downloadUrl rendering, as the tutorial's loop does", async () => {
    const job = await statusAfter(answers.finishing);
    assert.equal(job.status, "processing");
    assert.ok((job.progress as number) < 100);
  });

  it("job_status reads 100 with downloadUrl as done, with project_id and download_url", async () => {
    const job = await statusAfter(answers.done);
    assert.equal(job.status, "done");
    assert.equal(job.progress, 100);
    assert.deepEqual(job.result, {
      media_type: "video",
      project_id: projectId,
      download_url: (asRecord(answers.done).data as Json).downloadUrl,
    });
  });

  it("job_status reads success: false as the render's failure, with AI Studios' message", async () => {
    const job = await statusAfter(answers.failed);
    assert.equal(job.status, "failed");
    assert.match(String(job.error), /video synthesis failed/);
    assert.equal(job.result, undefined);
  });
});

describe("AI Studios tokens last 24 hours", () => {
  it("a 401 on a raw AISTUDIOS_API_KEY says the token may have expired and how to run unattended", async () => {
    h.sandbox.aistudios.inject({ route: "/api/odin/v3/model", status: 401 });
    failed(
      await h.call("aistudios_list_models"),
      /AI Studios answered HTTP 401/,
      /lasts 24 hours and may have expired/,
      /AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY/,
      /exchanges and refreshes the token itself/,
    );
  });

  it("with app id + user key, a refused token is exchanged anew once, and a second refusal names those variables", async () => {
    exchanged.sandbox.aistudios.inject({ route: "/api/odin/v3/model", status: 401, times: 2 });
    const text = failed(
      await exchanged.call("aistudios_list_models"),
      /HTTP 401/,
      /Check AISTUDIOS_APP_ID and AISTUDIOS_USER_KEY/,
    );
    assert.ok(!text.includes("may have expired"));
    const exchanges = exchanged.sandbox.aistudios.requests.filter(
      (r) => r.route === "/api/odin/v3/auth/token",
    );
    assert.equal(exchanges.length, 2, "the first token, then one fresh exchange");
  });
});

describe("mediagate doctor and AI Studios", () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ basePaths: testBasePaths });
  });
  after(async () => {
    await sandbox?.close();
  });

  const studioEnv = (extra: Record<string, string>) => {
    const env = sandbox.env();
    return cleanEnv({ AISTUDIOS_BASE_URL: env.AISTUDIOS_BASE_URL ?? "", ...extra });
  };

  it("with a raw AISTUDIOS_API_KEY, says it lasts 24 hours and that app id + user key run unattended", async () => {
    const run = await runCli(
      ["doctor"],
      studioEnv({ AISTUDIOS_API_KEY: sandbox.credentials.aistudiosApiKey }),
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /AI Studios\s+ok/);
    assert.match(run.stdout, /AISTUDIOS_API_KEY is an access token that lasts 24 hours/);
    assert.match(
      run.stdout,
      /AISTUDIOS_APP_ID \+ AISTUDIOS_USER_KEY instead \(exchanged for a token and refreshed automatically\)/,
    );
  });

  it("with app id + user key, gives no such note", async () => {
    const run = await runCli(
      ["doctor"],
      studioEnv({
        AISTUDIOS_APP_ID: sandbox.credentials.aistudiosAppId,
        AISTUDIOS_USER_KEY: sandbox.credentials.aistudiosUserKey,
      }),
    );
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(!run.stdout.includes("lasts 24 hours"));
  });

  it("when the probe fails, names the global host and the variable that selects it", async () => {
    const run = await runCli(["doctor"], studioEnv({ AISTUDIOS_API_KEY: "expired-token-0001" }));
    assert.equal(run.code, 1);
    assert.match(run.stdout, /AI Studios\s+FAILED/);
    assert.match(run.stdout, /may have expired/);
    assert.match(run.stdout, /AISTUDIOS_BASE_URL=https:\/\/app\.aistudios\.com/);
    assert.ok(!run.stdout.includes("expired-token-0001"));
  });
});

describe("the AI Studios emulator answers each example's request in the example's shape", () => {
  const send = async (example: Json): Promise<unknown> => {
    const { method, path, body } = example.request as { method: string; path: string; body?: unknown };
    const answer = await fetch(`${h.sandbox.aistudios.url}${path}`, {
      method,
      headers: {
        authorization: h.sandbox.credentials.aistudiosApiKey,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.equal(answer.status, 200, `${method} ${path}`);
    return answer.json();
  };

  it("GET /api/odin/v3/model: models with their labels, thumbnails and clothes", async () => {
    assertShapeCovers(await send(modelList), modelList.answer);
  });

  it("POST /api/odin/v3/simple/audio with the document's sample request: fileName, downloadUrl, metaList", async () => {
    assertShapeCovers(await send(simpleAudio), simpleAudio.answer);
  });

  it("POST /api/odin/v3/simple/video with the document's sample request: projectId", async () => {
    assertShapeCovers(await send(simpleVideo), simpleVideo.answer);
  });

  it("GET /api/odin/v3/editor/progress/{projectId}: progress while it renders, then progress and downloadUrl", async () => {
    const answers = progress.answers as Record<"rendering" | "done", Json>;
    h.sandbox.aistudios.holdJobs = true;
    let projectId: string;
    try {
      projectId = String(asRecord(asRecord(await send(simpleVideo)).data).projectId);
      const rendering = await send({
        request: { method: "GET", path: `/api/odin/v3/editor/progress/${projectId}` },
      });
      assertShapeCovers(rendering, answers.rendering);
    } finally {
      h.sandbox.aistudios.holdJobs = false;
    }
    // The render ends at the first poll after its duration: polled until then.
    let done: Json;
    do {
      done = asRecord(
        await send({ request: { method: "GET", path: `/api/odin/v3/editor/progress/${projectId}` } }),
      );
    } while (asRecord(done.data).downloadUrl === undefined);
    assertShapeCovers(done, answers.done);
  });
});
