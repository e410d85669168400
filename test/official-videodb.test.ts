import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { beforeEach, describe, it } from "node:test";
import { VIDEODB_SEED } from "../src/sandbox/videodb.js";
import { testBasePaths } from "./helpers/harness.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { failed, onlyRequest, succeeded } from "./helpers/outcome.js";
import { assertShapeCovers } from "./helpers/shape.js";

/**
 * VideoDB's own examples (test/fixtures/official/videodb/, each naming its source in the official
 * clients' repositories) replayed through the tools: the emulator answers with the example, and the
 * request the tool sent must be the one the official client sends.
 */

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./fixtures/official/videodb/${name}.json`, import.meta.url), "utf8"));

const listVideos = fixture("list-videos");
const getVideo = fixture("get-video");
const generateStream = fixture("generate-stream");
const generateAudioUrl = fixture("generate-audio-url");
const generateVideo = fixture("generate-video");
const asyncResponse = fixture("async-response");

/** The live API's origin in the examples, served here by the emulator. */
const liveApi = "https://api.videodb.io";

const h = inProcessForFile({ sandbox: { jobDurationMs: 200 } });

beforeEach(() => {
  h.sandbox.videodb.clearFaults();
  h.sandbox.videodb.asyncIds = false;
  h.sandbox.videodb.asyncShape = "data";
  h.sandbox.videodb.holdJobs = false;
});

const videodbPath = (route: string) => `${testBasePaths.videodb}${route}`;

/** Answers the next request to `route` with an example answer, its live URLs pointing at the emulator. */
function answerWith(route: string, answer: unknown): void {
  h.sandbox.videodb.inject({
    route,
    status: 200,
    body: JSON.stringify(answer).replaceAll(liveApi, h.sandbox.videodb.url),
  });
}

/** The recorded request matches the example's method, path, query and body. */
function assertSentAsExample(request: ReturnType<typeof onlyRequest>, example: Json): void {
  const expected = example.request as { method: string; path: string; query?: Json; body?: unknown };
  assert.equal(request.method, expected.method);
  assert.equal(request.path, videodbPath(expected.path));
  assert.deepEqual(request.query, expected.query ?? {});
  if ("body" in expected) assert.deepEqual(request.body, expected.body);
  assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
}

describe("VideoDB examples replayed through the tools", () => {
  it("videodb_list_videos sends GET /video/?collection_id=default and reads the OpenAPI video", async () => {
    answerWith("/video/", listVideos.answer);
    const result = succeeded(await h.call("videodb_list_videos"));
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), listVideos);
    assert.deepEqual(result.videos, [
      {
        id: "m-12345",
        name: "video.mp4",
        length: 120.5,
        stream_url: "https://stream.videodb.io/v/12345",
        player_url: "https://console.videodb.io/player/12345",
        thumbnail_url: "https://assets.videodb.io/thumb/12345.jpg",
      },
    ]);
  });

  it("videodb_generate_stream sends the timeline with the video's length, read from GET /video/{id}", async () => {
    answerWith("/video/m-12345", getVideo.answer);
    answerWith("/video/m-12345/stream/", generateStream.answer);
    const body = (generateStream.request as { body: { timeline: number[][] } }).body;
    const result = succeeded(
      await h.call("videodb_generate_stream", { video_id: "m-12345", timeline: body.timeline }),
    );
    const [read, stream, ...rest] = h.sandbox.videodb.requests;
    assert.equal(rest.length, 0);
    assert.ok(read && stream);
    assertSentAsExample(read, getVideo);
    assertSentAsExample(stream, generateStream);
    assert.deepEqual(result, { stream_url: "https://stream.videodb.io/v/12345" });
  });

  it("videodb_generate_stream for a whole video returns the video's own stream_url and sends no stream request", async () => {
    answerWith("/video/m-12345", getVideo.answer);
    const result = succeeded(await h.call("videodb_generate_stream", { video_id: "m-12345" }));
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), getVideo);
    assert.deepEqual(result, {
      stream_url: "https://stream.videodb.io/v/12345",
      player_url: "https://console.videodb.io/player/12345",
    });
  });

  it("videodb_generate_stream with a quality asked sends a stream request with the length and no timeline", async () => {
    answerWith("/video/m-12345", getVideo.answer);
    answerWith("/video/m-12345/stream/", generateStream.answer);
    succeeded(await h.call("videodb_generate_stream", { video_id: "m-12345", quality: "high" }));
    const stream = h.sandbox.videodb.requests.find((request) => request.method === "POST");
    assert.deepEqual(stream?.body, { length: 120.5, quality: "high" });
  });

  it("videodb_generate_audio_url sends collection_id as the query, as audio.py does, and reads data.stream_url", async () => {
    answerWith("/audio/a-12345/generate_url", generateAudioUrl.answer);
    const result = succeeded(await h.call("videodb_generate_audio_url", { audio_id: "a-12345" }));
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), generateAudioUrl);
    assert.deepEqual(result, { url: "https://stream.videodb.io/a/12345" });
  });

  it("videodb_generate_audio_url reads data.signed_url as the SDKs do, and sends another collection as given", async () => {
    answerWith("/audio/a-12345/generate_url", generateAudioUrl.answerAsTheSdksReadIt);
    const result = succeeded(
      await h.call("videodb_generate_audio_url", { audio_id: "a-12345", collection_id: "c-67890" }),
    );
    assert.deepEqual(onlyRequest(h.sandbox.videodb.requests).query, { collection_id: "c-67890" });
    assert.deepEqual(result, { url: "https://stream.videodb.io/a/12345" });
  });

  it("videodb_generate_video sends the OpenAPI example and keeps data.id when the answer has it beside output_url", async () => {
    answerWith("/collection/default/generate/video/", generateVideo.answer);
    const example = (generateVideo.request as { body: Json }).body;
    const job = succeeded(await h.call("videodb_generate_video", { ...example, wait_s: 0 })).job as Json;
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), generateVideo);
    assert.equal(job.id, "videodb:job-123");
    assert.equal(job.status, "processing");
  });

  it("job_status reads 'in progress' with data.percentage as a running job with its progress", async () => {
    answerWith("/async-response/job-123", asyncResponse.running);
    const job = succeeded(await h.call("job_status", { job_id: "videodb:job-123" })).job as Json;
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), asyncResponse);
    assert.equal(job.status, "processing");
    assert.equal(job.progress, 40);
  });

  it("job_status reads a final status as done when success says so, with or without the response wrapper", async () => {
    for (const answer of [asyncResponse.done, asyncResponse.completeInResponse]) {
      answerWith("/async-response/job-123", answer);
      const job = succeeded(await h.call("job_status", { job_id: "videodb:job-123" })).job as Json;
      assert.equal(job.status, "done");
      const result = job.result as Json;
      assert.equal(result.video_id, "m-12345");
      assert.equal(result.stream_url, "https://stream.videodb.io/v/12345");
      assert.equal(result.collection_id, "default");
    }
  });

  it("job_status reads a final status whose response says success: false as failed, with the message", async () => {
    answerWith("/async-response/job-123", asyncResponse.failedInResponse);
    const job = succeeded(await h.call("job_status", { job_id: "videodb:job-123" })).job as Json;
    assert.equal(job.status, "failed");
    assert.equal(job.error, "Video generation failed");
  });
});

describe("VideoDB jobs from output_url", () => {
  it("an answer with only output_url (the emulator's default, like the live service) gives a job any instance can poll", async () => {
    const started = succeeded(await h.call("videodb_generate_video", { prompt: "Waves", wait_s: 0 }));
    const id = String((started.job as Json).id);
    assert.match(id, /^videodb:job-[0-9a-f]+$/);
    const outcome = await h.call("job_wait", { job_id: id, timeout_s: 20 });
    const job = succeeded(outcome).job as Json;
    assert.equal(job.status, "done");
    assert.match(String((job.result as Json).video_id), /^m-/);
    const polls = h.sandbox.videodb.requests.filter((request) => request.method === "GET");
    assert.ok(polls.length >= 1);
    for (const poll of polls) assert.equal(poll.path, videodbPath(`/async-response/${id.slice(8)}`));
  });

  it("an answer with both id and output_url gives the same job id", async () => {
    h.sandbox.videodb.asyncIds = true;
    const started = succeeded(await h.call("videodb_generate_video", { prompt: "Both", wait_s: 10 }));
    const job = started.job as Json;
    assert.match(String(job.id), /^videodb:job-[0-9a-f]+$/);
    assert.equal(job.status, "done");
  });

  it("a callback answer (request_type async) is still a job, polled the same way", async () => {
    h.sandbox.videodb.asyncShape = "response";
    const started = succeeded(
      await h.call("videodb_generate_video", {
        prompt: "Called back",
        callback_url: "http://127.0.0.1:1/hook",
        wait_s: 10,
      }),
    );
    const job = started.job as Json;
    assert.equal(job.status, "done");
    assert.match(String((job.result as Json).video_id), /^m-/);
  });

  it("an output_url on the origin but not {base}/async-response/{job} is a clear error: no job id may name another route", async () => {
    answerWith("/collection/default/generate/video/", {
      success: true,
      status: "processing",
      data: { output_url: `${liveApi}/v2/jobs/abc?sig=1` },
    });
    failed(
      await h.call("videodb_generate_video", { prompt: "Elsewhere", wait_s: 5 }),
      /VideoDB/,
      /output_url that is not \{base URL\}\/async-response\/\{job\}/,
      /may have started/,
    );
    onlyRequest(h.sandbox.videodb.requests);
  });

  it("an output_url under another base path of the same origin is refused like another origin", async () => {
    h.sandbox.videodb.inject({
      route: "/collection/default/generate/video/",
      status: 200,
      body: JSON.stringify({
        success: true,
        status: "processing",
        data: { output_url: `${h.sandbox.videodb.origin}/async-response/job-9` },
      }),
    });
    failed(await h.call("videodb_generate_video", { prompt: "Prefix", wait_s: 5 }), /VideoDB/, /outside/);
    onlyRequest(h.sandbox.videodb.requests);
  });

  it("an output_url on another origin is a clear error, and the key is never sent there", async () => {
    h.sandbox.videodb.inject({
      route: "/collection/default/generate/video/",
      status: 200,
      body: JSON.stringify({
        success: true,
        status: "processing",
        data: { output_url: `${h.sandbox.aioz.url}/async-response/job-9` },
      }),
    });
    failed(
      await h.call("videodb_generate_video", { prompt: "Away", wait_s: 5 }),
      /VideoDB/,
      /output_url on http:\/\/127\.0\.0\.1:\d+, outside/,
      /sends the API key nowhere else/,
      /may have started/,
    );
    assert.equal(h.sandbox.aioz.requests.length, 0);
  });
});

describe("the VideoDB emulator accepts only the official clients' form", () => {
  const post = (path: string, body: unknown) =>
    fetch(`${h.sandbox.videodb.url}${path}`, {
      method: "POST",
      headers: { "x-access-token": h.sandbox.credentials.videodbApiKey, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("refuses an audio URL request without collection_id", async () => {
    const answer = await post("/audio/a-7d2e4b9f1c6a3058/generate_url", {});
    assert.equal(answer.status, 400);
    assert.match(JSON.stringify(await answer.json()), /collection_id is required/);
  });

  it("refuses a stream request without the video's length", async () => {
    const answer = await post("/video/m-5a1f0c9e3b7d2468/stream/", { timeline: [[0, 10]] });
    assert.equal(answer.status, 400);
    assert.match(JSON.stringify(await answer.json()), /length is required/);
  });

  it("answers a running job with its percentage and a finished one with the final status 'complete'", async () => {
    const headers = { "x-access-token": h.sandbox.credentials.videodbApiKey };
    h.sandbox.videodb.holdJobs = true;
    let url: string;
    let running: { status: string; data: Json };
    try {
      const started = await (await post("/collection/default/generate/video/", { prompt: "x" })).json();
      url = (started as { data: { output_url: string } }).data.output_url;
      running = (await (await fetch(url, { headers })).json()) as { status: string; data: Json };
    } finally {
      h.sandbox.videodb.holdJobs = false;
    }
    assert.match(running.status, /^(processing|in progress)$/);
    assert.equal(typeof running.data.percentage, "number");
    h.sandbox.videodb.clearRequests();
    // The job settles on its timer; the wait is on the emulator's answer, not on a clock.
    let final: { status: string; success: boolean } = { status: "processing", success: true };
    while (final.status === "processing" || final.status === "in progress") {
      await new Promise((resolve) => setTimeout(resolve, 50));
      final = (await (await fetch(url, { headers })).json()) as typeof final;
    }
    assert.equal(final.status, "complete");
    assert.equal(final.success, true);
  });
});

describe("the VideoDB emulator answers each example's request in the example's shape", () => {
  // The examples' ids are placeholders; each becomes a seeded asset (or a started job) of the same kind.
  // Method, route form, query and body go as the example has them.
  const ids: Record<string, string> = {
    "m-12345": VIDEODB_SEED.videoIds[0],
    "a-12345": VIDEODB_SEED.audioIds[0],
  };
  const send = async (example: Json, jobId?: string): Promise<unknown> => {
    const { method, path, query, body } = example.request as {
      method: string;
      path: string;
      query?: Record<string, string>;
      body?: unknown;
    };
    let route = path.replace(/m-12345|a-12345/, (placeholder) => ids[placeholder] ?? placeholder);
    if (jobId) route = route.replace("job-123", jobId);
    const search = query ? `?${new URLSearchParams(query)}` : "";
    const answer = await fetch(`${h.sandbox.videodb.url}${route}${search}`, {
      method,
      headers: {
        "x-access-token": h.sandbox.credentials.videodbApiKey,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.equal(answer.status, 200, `${method} ${route}`);
    return answer.json();
  };
  const covers = (actual: unknown, example: unknown) =>
    assertShapeCovers(actual, example, { numericStrings: true });

  it("GET /video/?collection_id=default: the OpenAPI list of videos", async () => {
    covers(await send(listVideos), listVideos.answer);
  });

  it("GET /video/{video_id}: the OpenAPI video", async () => {
    covers(await send(getVideo), getVideo.answer);
  });

  it("POST /video/{video_id}/stream/ with the example's timeline and length: data.stream_url", async () => {
    covers(await send(generateStream), generateStream.answer);
  });

  it("POST /audio/{audio_id}/generate_url: data.signed_url as the SDKs read it, and data.stream_url as documented", async () => {
    const answer = await send(generateAudioUrl);
    covers(answer, generateAudioUrl.answer);
    covers(answer, generateAudioUrl.answerAsTheSdksReadIt);
  });

  it("POST /collection/default/generate/video/ with the example's body: data.id and output_url when ids are on", async () => {
    // Held, so the example's callback (webhook.example.com) is never called from a test.
    h.sandbox.videodb.holdJobs = true;
    // By default the emulator leaves data.id out, as the SDKs never read it; the document's form has it.
    h.sandbox.videodb.asyncIds = true;
    covers(await send(generateVideo), generateVideo.answer);
  });

  it("GET /async-response/{id}: running, done, and done inside response", async () => {
    h.sandbox.videodb.holdJobs = true;
    const started = (await send({
      request: { method: "POST", path: "/collection/default/generate/video/", body: { prompt: "Shape" } },
    })) as { data: { output_url: string } };
    const jobId = started.data.output_url.split("/").at(-1) ?? "";
    covers(await send(asyncResponse, jobId), asyncResponse.running);
    h.sandbox.videodb.holdJobs = false;
    // The job settles on its timer (jobDurationMs); the wait is on the emulator's answer, not on a clock.
    let done = (await send(asyncResponse, jobId)) as Json;
    while (done.status === "processing" || done.status === "in progress") {
      await new Promise((resolve) => setTimeout(resolve, 20));
      done = (await send(asyncResponse, jobId)) as Json;
    }
    assert.equal(done.status, "complete");
    covers(done, asyncResponse.done);
    h.sandbox.videodb.asyncShape = "response";
    covers(await send(asyncResponse, jobId), asyncResponse.completeInResponse);
  });
});
