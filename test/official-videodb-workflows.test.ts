import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { testBasePaths } from "./helpers/harness.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { onlyRequest, succeeded } from "./helpers/outcome.js";

/**
 * VideoDB's own examples for the workflow tools (test/fixtures/official/videodb/, each naming its source
 * in the official clients' repositories) replayed through the tools: the emulator answers with the
 * example, and the request the tool sent must be the one the official client sends. Where `openapi.yaml`
 * and the SDK code differ, the fixture's `answer` is the SDK's form and `openapiAnswer` the file's.
 */

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`./fixtures/official/videodb/${name}.json`, import.meta.url), "utf8"));

const liveApi = "https://api.videodb.io";
const h = inProcessForFile({ sandbox: { jobDurationMs: 200 } });

let listed = false;
beforeEach(async () => {
  // As hosts do: the SDK's client then checks every result against the listed output schema.
  if (!listed) await h.client.listTools();
  listed = true;
  h.sandbox.videodb.clearFaults();
});

const videodbPath = (route: string) => `${testBasePaths.videodb}${route}`;

function answerWith(route: string, answer: unknown): void {
  h.sandbox.videodb.inject({
    route,
    status: 200,
    body: JSON.stringify(answer).replaceAll(liveApi, h.sandbox.videodb.url),
  });
}

function assertSentAsExample(request: ReturnType<typeof onlyRequest> | undefined, example: Json): void {
  const expected = example.request as { method: string; path: string; query?: Json; body?: unknown };
  assert.ok(request);
  assert.equal(request.method, expected.method);
  assert.equal(request.path, videodbPath(expected.path));
  assert.deepEqual(request.query, expected.query ?? {});
  if ("body" in expected) assert.deepEqual(request.body, expected.body);
  assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
}

const jobOf = (result: Json) => result.job as { id: string; status: string; result?: Json };

describe("VideoDB workflow examples replayed through the tools", () => {
  it("videodb_upload from a url sends the OpenAPI body, and its job's id alone gives the video when done", async () => {
    const example = fixture("upload");
    answerWith("/collection/default/upload", example.answer);
    const body = (example.request as { body: Json }).body;
    const job = jobOf(succeeded(await h.call("videodb_upload", { ...body, wait_s: 0 })));
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), example);
    assert.equal(job.id, "videodb:upload:default:job-123");
    assert.equal(job.status, "processing");

    answerWith("/async-response/job-123", example.done);
    const done = jobOf(succeeded(await h.call("job_status", { job_id: job.id })));
    assert.equal(done.status, "done");
    assert.deepEqual(done.result, {
      media_type: "video",
      video_id: "m-12345",
      name: "video.mp4",
      length: 120.5,
      stream_url: "https://stream.videodb.io/v/12345",
      player_url: "https://console.videodb.io/player/12345",
      thumbnail_url: "https://assets.videodb.io/thumb/12345.jpg",
      collection_id: "default",
    });
  });

  it("videodb_upload from a file asks upload_url with the file's name less its extension, as _upload.py does", async () => {
    const example = fixture("upload-url");
    // The example's presigned URL is on S3; the replay points it at the emulator's own upload URL.
    const answer = structuredClone(example.answer) as { data: { upload_url: string } };
    answer.data.upload_url = `${h.sandbox.videodb.origin}/sandbox/videodb/upload/0123456789abcdef`;
    answerWith("/collection/default/upload_url", answer);
    const file = path.join(h.filesDir, "my_video.mp4");
    await writeFile(file, Buffer.from("not really a video, but bytes all the same"));
    succeeded(await h.call("videodb_upload", { file_path: file, wait_s: 0 }));
    assertSentAsExample(h.sandbox.videodb.requests[0], example);
    const add = h.sandbox.videodb.requests[2];
    assert.deepEqual(add?.body, { url: answer.data.upload_url, name: "my_video", media_type: "video" });
  });

  it("videodb_delete_video sends DELETE /video/{id} with no body, as video.py does", async () => {
    const example = fixture("delete-video");
    answerWith("/video/m-12345", example.answer);
    const result = succeeded(await h.call("videodb_delete_video", { video_id: "m-12345" }));
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), example);
    assert.deepEqual(result, { deleted: true, video_id: "m-12345" });
  });

  it("videodb_index_spoken_words sends index_type spoken_word with the example's fields; its job ends with indexed", async () => {
    const example = fixture("index-spoken-words");
    answerWith("/video/m-12345/index/", example.answer);
    const { index_type: _fixed, ...fields } = (example.request as { body: Json }).body;
    const job = jobOf(
      succeeded(await h.call("videodb_index_spoken_words", { video_id: "m-12345", ...fields, wait_s: 0 })),
    );
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), example);
    assert.equal(job.id, "videodb:index:m-12345:job-123");
    answerWith("/async-response/job-123", example.done);
    const done = jobOf(succeeded(await h.call("job_status", { job_id: job.id })));
    assert.deepEqual(done.result, { video_id: "m-12345", indexed: true });
  });

  it("videodb_search reads the SDK's results with docs, then compiles every shot as search.py does", async () => {
    const search = fixture("search");
    const compile = fixture("compile");
    answerWith("/video/m-12345/search/", search.answer);
    answerWith("/compile/", compile.answer);
    const result = succeeded(await h.call("videodb_search", { video_id: "m-12345", query: "search query" }));
    const [searched, compiled, ...rest] = h.sandbox.videodb.requests;
    assert.equal(rest.length, 0);
    assertSentAsExample(searched, search);
    assertSentAsExample(compiled, compile);
    assert.deepEqual(result, {
      shots: [{ video_id: "m-12345", start: 10.5, end: 20.3, text: "matched content", score: 0.95 }],
      stream_url: "https://stream.videodb.io/v/12345",
      player_url: "https://console.videodb.io/player/12345",
    });
  });

  it("videodb_search also reads openapi.yaml's flat results", async () => {
    answerWith("/video/m-12345/search/", fixture("search").openapiAnswer);
    const result = succeeded(
      await h.call("videodb_search", { video_id: "m-12345", query: "search query", compile: false }),
    );
    assert.deepEqual(result.shots, [
      { video_id: "m-12345", start: 10.5, end: 20.3, text: "matched content", score: 0.95 },
    ]);
  });

  it("videodb_get_transcript reads word_timestamps as video.py does, and openapi.yaml's transcript too", async () => {
    const example = fixture("transcript");
    answerWith("/video/m-12345/transcription/", example.answer);
    const result = succeeded(await h.call("videodb_get_transcript", { video_id: "m-12345" }));
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), example);
    const expected = {
      video_id: "m-12345",
      text: "Hello world",
      segments: [{ start: 1.5, end: 3.2, text: "Hello world" }],
    };
    assert.deepEqual(result, expected);
    answerWith("/video/m-12345/transcription/", example.openapiAnswer);
    assert.deepEqual(succeeded(await h.call("videodb_get_transcript", { video_id: "m-12345" })), expected);
  });

  it("videodb_generate_audio sends generate_voice's body; the done audio's URL comes from generate_url", async () => {
    const example = fixture("generate-audio");
    answerWith("/collection/default/generate/audio/", example.answer);
    const job = jobOf(
      succeeded(
        await h.call("videodb_generate_audio", { kind: "voice", text: "Hello from VideoDB", wait_s: 0 }),
      ),
    );
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), example);
    assert.equal(job.id, "videodb:audio:default:job-123");
    h.clearRequests();
    answerWith("/async-response/job-123", example.done);
    answerWith("/audio/a-12345/generate_url", example.generateUrlAnswer);
    const done = jobOf(succeeded(await h.call("job_status", { job_id: job.id })));
    assert.deepEqual(done.result, {
      media_type: "audio",
      audio_id: "a-12345",
      url: "https://stream.videodb.io/a/12345",
      name: "audio.mp3",
      length: 60,
      collection_id: "default",
    });
    const urlRequest = h.sandbox.videodb.requests[1];
    assert.equal(urlRequest?.path, videodbPath("/audio/a-12345/generate_url"));
    assert.deepEqual(urlRequest?.query, { collection_id: "default" });
  });

  it("videodb_generate_image sends the OpenAPI body; the done image's url is its own", async () => {
    const example = fixture("generate-image");
    answerWith("/collection/default/generate/image/", example.answer);
    const body = (example.request as { body: Json }).body;
    const job = jobOf(succeeded(await h.call("videodb_generate_image", { ...body, wait_s: 0 })));
    assertSentAsExample(onlyRequest(h.sandbox.videodb.requests), example);
    answerWith("/async-response/job-123", example.done);
    const done = jobOf(succeeded(await h.call("job_status", { job_id: job.id })));
    assert.deepEqual(done.result, {
      media_type: "image",
      image_id: "img-12345",
      url: "https://assets.videodb.io/img/12345.jpg",
      name: "image.jpg",
      collection_id: "default",
    });
  });
});
