import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SANDBOX_SEED } from "../../src/sandbox/index.js";
import { testBasePaths } from "../helpers/harness.js";
import {
  type InProcessHarness,
  inProcessForFile,
  startWithAlternativeCredentials,
} from "../helpers/in-process.js";
import { onlyRequest, succeeded } from "../helpers/outcome.js";

const [videoId = "", secondVideoId = ""] = SANDBOX_SEED.videodb.videoIds;
const [audioId = ""] = SANDBOX_SEED.videodb.audioIds;
const videodbPath = (route: string) => `${testBasePaths.videodb}${route}`;

const h = inProcessForFile({ sandbox: { jobDurationMs: 200 } });

describe("VideoDB tools", () => {
  it("videodb_list_videos sends GET /video/?collection_id=default with x-access-token and turns a string length into a number", async () => {
    const videos = succeeded(await h.call("videodb_list_videos")).videos as Record<string, unknown>[];
    const request = onlyRequest(h.sandbox.videodb.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, videodbPath("/video/"));
    assert.deepEqual(request.query, { collection_id: "default" });
    assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    assert.equal(request.headers.authorization, undefined);
    assert.equal(request.body, undefined);

    assert.equal(videos.length, 2);
    const contractKeys = ["id", "name", "length", "stream_url", "player_url", "thumbnail_url"];
    for (const video of videos) {
      for (const key of Object.keys(video)) assert.ok(contractKeys.includes(key), `unexpected key ${key}`);
    }
    const first = videos.find((video) => video.id === videoId);
    assert.ok(first);
    assert.equal(first.length, 123.4, 'the emulator sends this length as the string "123.4"');
    assert.equal(typeof first.name, "string");
    assert.match(String(first.stream_url), /^http:\/\/127\.0\.0\.1:\d+\/.+\.m3u8$/);
    assert.match(String(first.player_url), /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(String(first.thumbnail_url), /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.equal(videos.find((video) => video.id === secondVideoId)?.length, 48.5);
  });

  it("videodb_list_videos passes an explicit collection_id as the query", async () => {
    const outcome = await h.call("videodb_list_videos", { collection_id: "default" });
    succeeded(outcome);
    assert.deepEqual(onlyRequest(h.sandbox.videodb.requests).query, { collection_id: "default" });
  });

  it("videodb_list_audios sends GET /audio/?collection_id=default and returns ids, names and numeric lengths", async () => {
    const result = succeeded(await h.call("videodb_list_audios"));
    const request = onlyRequest(h.sandbox.videodb.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, videodbPath("/audio/"));
    assert.deepEqual(request.query, { collection_id: "default" });
    assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    assert.deepEqual(result, {
      audios: [
        { id: SANDBOX_SEED.videodb.audioIds[0], name: "Sandbox sample: podcast intro", length: 30.5 },
        { id: SANDBOX_SEED.videodb.audioIds[1], name: "Sandbox sample: jingle", length: 12 },
      ],
    });
  });

  it("videodb_generate_stream for a whole video reads GET /video/{id} and returns the video's own stream_url, with no stream request", async () => {
    const outcome = await h.call("videodb_generate_stream", { video_id: videoId });
    const result = succeeded(outcome);
    const request = onlyRequest(h.sandbox.videodb.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, videodbPath(`/video/${videoId}`));
    assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    assert.match(String(result.stream_url), /^http:\/\/127\.0\.0\.1:\d+\/.+\.m3u8$/);
    assert.match(String(result.player_url), /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(outcome.text.includes(String(result.stream_url)));
  });

  it("videodb_generate_stream for a timeline sends the segments, format and quality as the body", async () => {
    const timeline = [
      [0, 10],
      [20.5, 30],
    ];
    const result = succeeded(
      await h.call("videodb_generate_stream", {
        video_id: videoId,
        timeline,
        format: "hls",
        quality: "high",
      }),
    );
    const request = onlyRequest(h.sandbox.videodb.requests.filter((r) => r.method === "POST"));
    assert.equal(request.path, videodbPath(`/video/${videoId}/stream/`));
    assert.equal(request.headers["content-type"], "application/json");
    // The video's length goes with the timeline, read from the video (its "123.4" as a number).
    assert.deepEqual(request.body, { timeline, length: 123.4, format: "hls", quality: "high" });
    const whole = succeeded(await h.call("videodb_generate_stream", { video_id: videoId }));
    assert.notEqual(result.stream_url, whole.stream_url, "a timeline gets its own stream");
  });

  it("videodb_generate_audio_url sends POST /audio/{id}/generate_url and returns data.stream_url as url", async () => {
    const outcome = await h.call("videodb_generate_audio_url", {
      audio_id: audioId,
      format: "wav",
      quality: "low",
    });
    const result = succeeded(outcome);
    const request = onlyRequest(h.sandbox.videodb.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, videodbPath(`/audio/${audioId}/generate_url`));
    assert.deepEqual(request.query, { collection_id: "default" });
    assert.deepEqual(request.body, { format: "wav", quality: "low" });
    assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    assert.match(String(result.url), new RegExp(`/audio/${audioId}/low\\.wav$`));
    assert.deepEqual(Object.keys(result), ["url"]);
    assert.ok(outcome.text.includes(String(result.url)));
  });

  it("videodb_generate_audio_url accepts the older data.signed_url answer", async () => {
    h.sandbox.videodb.legacyAudioUrl = true;
    try {
      const result = succeeded(await h.call("videodb_generate_audio_url", { audio_id: audioId }));
      assert.match(String(result.url), new RegExp(`^http://127\\.0\\.0\\.1:\\d+/.*${audioId}/high\\.mp3$`));
      assert.deepEqual(onlyRequest(h.sandbox.videodb.requests).body, {});
    } finally {
      h.sandbox.videodb.legacyAudioUrl = false;
    }
  });

  it("videodb_generate_video with wait_s 0 sends POST /collection/default/generate/video/ once and returns a videodb:job-… job at once", async () => {
    const outcome = await h.call("videodb_generate_video", {
      prompt: "A drone flying over a futuristic city",
      duration: 6,
      callback_url: "http://127.0.0.1:1/hook",
      wait_s: 0,
    });
    const job = succeeded(outcome).job as Record<string, unknown>;
    const request = onlyRequest(h.sandbox.videodb.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, videodbPath("/collection/default/generate/video/"));
    assert.deepEqual(request.body, {
      prompt: "A drone flying over a futuristic city",
      duration: 6,
      callback_url: "http://127.0.0.1:1/hook",
    });
    assert.match(String(job.id), /^videodb:job-[0-9a-f]+$/);
    assert.equal(job.provider, "videodb");
    assert.equal(job.status, "processing");
    assert.equal(typeof job.poll_after_ms, "number");
    assert.ok(outcome.text.includes(String(job.id)));
  });

  it("videodb_generate_video sends the default duration 5 and, waiting, returns the finished video's ids and URLs", async () => {
    const outcome = await h.call("videodb_generate_video", {
      prompt: "A cat playing with a ball",
      wait_s: 20,
    });
    const job = succeeded(outcome).job as Record<string, unknown>;
    const [start, ...polls] = h.sandbox.videodb.requests;
    assert.deepEqual(start?.body, { prompt: "A cat playing with a ball", duration: 5 });
    assert.ok(polls.length >= 1);
    const remoteId = String(job.id).slice("videodb:".length);
    for (const poll of polls) {
      assert.equal(poll.method, "GET");
      assert.equal(poll.path, videodbPath(`/async-response/${remoteId}`));
      assert.equal(poll.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    }
    assert.equal(job.status, "done");
    const result = job.result as Record<string, unknown>;
    assert.match(String(result.video_id), /^m-/);
    assert.equal(result.collection_id, "default");
    assert.match(String(result.stream_url), /^http:\/\/127\.0\.0\.1:\d+\/.+\.m3u8$/);
    assert.match(String(result.player_url), /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(outcome.text.includes(String(result.stream_url)));
    assert.ok(outcome.text.includes(String(result.video_id)));
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
  it("a VideoDB generation that fails comes back as a failed job with the provider's reason", async () => {
    const outcome = await alt.call("videodb_generate_video", { prompt: "Doomed", wait_s: 20 });
    const job = succeeded(outcome).job as Record<string, unknown>;
    assert.equal(job.status, "failed");
    // The emulator's own message for a generation it failed on purpose.
    const reason = "Video generation failed (sandbox failureRate)";
    assert.ok(String(job.error).includes(reason), `job.error: ${job.error}`);
    assert.ok(outcome.text.includes(reason), outcome.text);
  });
});
