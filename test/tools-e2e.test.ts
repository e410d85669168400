import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { SANDBOX_SEED } from "../src/sandbox/index.js";
import { type Harness, startHarness, testBasePaths } from "./helpers/harness.js";
import { failed, onlyRequest, routesOf, succeeded } from "./helpers/outcome.js";

const [videoId = "", secondVideoId = ""] = SANDBOX_SEED.videodb.videoIds;
const [audioId = ""] = SANDBOX_SEED.videodb.audioIds;
const aiozSeedId = SANDBOX_SEED.aioz.audioId;
const videodbPath = (route: string) => `${testBasePaths.videodb}${route}`;
const aiozPath = (route: string) => `${testBasePaths.aioz}${route}`;
const studioPath = (route: string) => `${testBasePaths.aistudios}${route}`;

const qualities = [
  {
    resolution: "highest",
    type: "hls",
    container_type: "mpegts",
    audio_config: {
      codec: "aac",
      bitrate: 320000,
      channels: "2",
      sample_rate: 44100,
      language: "en",
      index: 0,
    },
  },
  {
    resolution: "standard",
    type: "dash",
    container_type: "fmp4",
    audio_config: { codec: "aac", bitrate: 128000, channels: "2", sample_rate: 48000 },
  },
];

function md5(bytes: Buffer): string {
  return createHash("md5").update(bytes).digest("hex");
}

let h: Harness;

before(async () => {
  h = await startHarness({ sandbox: { jobDurationMs: 200 } });
});

after(async () => {
  await h?.close();
});

beforeEach(() => {
  h.clearRequests();
});

describe("VideoDB tools", () => {
  it("videodb_list_videos sends GET /video?collection_id=default with x-access-token and turns a string length into a number", async () => {
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

  it("videodb_list_audios sends GET /audio?collection_id=default and returns ids, names and numeric lengths", async () => {
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

describe("job tools", () => {
  it("job_status asks GET /async-response/{job} for a VideoDB job and reports it processing", async () => {
    const started = succeeded(await h.call("videodb_generate_video", { prompt: "Waves", wait_s: 0 }));
    const id = String((started.job as Record<string, unknown>).id);
    h.sandbox.videodb.clearRequests();
    const job = succeeded(await h.call("job_status", { job_id: id })).job as Record<string, unknown>;
    const request = onlyRequest(h.sandbox.videodb.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, videodbPath(`/async-response/${id.slice("videodb:".length)}`));
    assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    assert.equal(job.id, id);
    assert.equal(job.provider, "videodb");
    assert.equal(job.kind, "video_generation");
    assert.equal(job.status, "processing");
  });

  it("job_wait polls a VideoDB job until done, whichever envelope shape the finished answer has", async () => {
    for (const shape of ["data", "response"] as const) {
      h.sandbox.videodb.asyncShape = shape;
      try {
        const started = succeeded(
          await h.call("videodb_generate_video", { prompt: `Shape ${shape}`, wait_s: 0 }),
        );
        const id = String((started.job as Record<string, unknown>).id);
        const outcome = await h.call("job_wait", { job_id: id, timeout_s: 20 });
        const job = succeeded(outcome).job as Record<string, unknown>;
        assert.equal(job.status, "done", shape);
        assert.equal(job.id, id);
        const result = job.result as Record<string, unknown>;
        assert.match(String(result.video_id), /^m-/, shape);
        assert.match(String(result.stream_url), /\.m3u8$/, shape);
        assert.ok(outcome.text.includes(String(result.stream_url)));
      } finally {
        h.sandbox.videodb.asyncShape = "data";
      }
    }
  });

  it("job_wait follows an AIOZ transcode through GET /media/{id} until its stream URLs are ready, and job_status then reports it done", async () => {
    const created = succeeded(await h.call("aioz_create_audio", { title: "Transcode me" }));
    const id = String((created.audio as Record<string, unknown>).id);
    const file = path.join(h.filesDir, "transcode.wav");
    await writeFile(file, Buffer.alloc(2000, 7));
    succeeded(
      await h.call("aioz_upload_audio_part", {
        audio_id: id,
        file_path: file,
        index: 1,
        chunk_size_bytes: 4096,
      }),
    );
    const completed = succeeded(await h.call("aioz_complete_audio_upload", { audio_id: id, wait_s: 0 }));
    const jobId = String((completed.job as Record<string, unknown>).id);
    assert.equal(jobId, `aioz:${id}`);

    const outcome = await h.call("job_wait", { job_id: jobId, timeout_s: 20 });
    const job = succeeded(outcome).job as Record<string, unknown>;
    assert.equal(job.status, "done");
    const result = job.result as Record<string, unknown>;
    assert.equal(result.audio_id, id);
    assert.equal(result.stream_url, `${h.sandbox.aioz.url}/media/${id}/m3u8`);
    assert.match(String(result.player_url), /^http:\/\/127\.0\.0\.1:\d+\/.+\/hls\//);
    assert.ok(outcome.text.includes(String(result.stream_url)));

    // Once the transcode is done its state is known, so job_status must report exactly that.
    h.sandbox.aioz.clearRequests();
    const status = succeeded(await h.call("job_status", { job_id: jobId })).job as Record<string, unknown>;
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, aiozPath(`/media/${id}`));
    assert.equal(request.headers.authorization, `Bearer ${h.sandbox.credentials.aiozToken}`);
    assert.equal(status.provider, "aioz");
    assert.equal(status.kind, "transcode");
    assert.equal(status.status, "done");
    assert.deepEqual(status.result, result);
  });
});

describe("AIOZ Stream tools", () => {
  it("aioz_create_audio sends POST /media/create with type audio, the fields and the qualities, with a Bearer token", async () => {
    const outcome = await h.call("aioz_create_audio", {
      title: "My Podcast Episode",
      description: "Episode one",
      is_public: false,
      metadata: [{ key: "genre", value: "podcast" }],
      tags: ["podcast", "music"],
      qualities,
    });
    const audio = succeeded(outcome).audio as Record<string, unknown>;
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, aiozPath("/media/create"));
    assert.deepEqual(request.query, {});
    assert.equal(request.headers.authorization, `Bearer ${h.sandbox.credentials.aiozToken}`);
    assert.equal(request.headers["stream-public-key"], undefined);
    assert.deepEqual(request.body, {
      type: "audio",
      title: "My Podcast Episode",
      description: "Episode one",
      is_public: false,
      metadata: [{ key: "genre", value: "podcast" }],
      tags: ["podcast", "music"],
      qualities,
    });
    assert.equal(typeof audio.id, "string");
    assert.equal(audio.title, "My Podcast Episode");
    assert.equal(audio.status, "new");
    assert.equal(audio.is_public, false);
    assert.deepEqual(audio.tags, ["podcast", "music"]);
    assert.deepEqual(
      (audio.qualities as Record<string, unknown>[]).map((q) => [q.name, q.type]),
      [
        ["highest", "hls"],
        ["standard", "dash"],
      ],
    );
    assert.equal(audio.hls_url, `${h.sandbox.aioz.url}/media/${audio.id}/m3u8`);
    assert.equal(audio.dash_url, `${h.sandbox.aioz.url}/media/${audio.id}/manifest`);
    assert.ok(outcome.text.includes(String(audio.id)));
  });

  it("aioz_create_audio fills the documented defaults codec aac and channels 2 into each quality", async () => {
    succeeded(
      await h.call("aioz_create_audio", {
        title: "Defaults",
        qualities: [
          {
            resolution: "good",
            type: "hls",
            container_type: "mp4",
            audio_config: { bitrate: 96000, sample_rate: 22050 },
          },
        ],
      }),
    );
    const body = onlyRequest(h.sandbox.aioz.requests).body as Record<string, unknown>;
    assert.deepEqual(body.qualities, [
      {
        resolution: "good",
        type: "hls",
        container_type: "mp4",
        audio_config: { codec: "aac", bitrate: 96000, channels: "2", sample_rate: 22050 },
      },
    ]);
  });

  it("aioz_list_audio sends POST /media with type audio and the filters, and returns audios and total", async () => {
    const outcome = await h.call("aioz_list_audio", {
      offset: 0,
      limit: 10,
      sort_by: "title",
      order_by: "desc",
      status: ["done"],
      search: "welcome",
      tags: ["sandbox"],
      metadata: { genre: "podcast" },
    });
    const result = succeeded(outcome);
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, aiozPath("/media"));
    assert.equal(request.headers.authorization, `Bearer ${h.sandbox.credentials.aiozToken}`);
    assert.deepEqual(request.body, {
      type: "audio",
      offset: 0,
      limit: 10,
      sort_by: "title",
      order_by: "desc",
      status: ["done"],
      search: "welcome",
      tags: ["sandbox"],
      metadata: [{ key: "genre", value: "podcast" }],
    });
    assert.equal(typeof result.total, "number");
    assert.ok(Array.isArray(result.audios));
  });

  it("aioz_list_audio with only a search sends type audio and the search, and finds the seeded audio with its stream URLs", async () => {
    const outcome = await h.call("aioz_list_audio", { search: "welcome" });
    const result = succeeded(outcome);
    assert.deepEqual(onlyRequest(h.sandbox.aioz.requests).body, { type: "audio", search: "welcome" });
    assert.equal(result.total, 1);
    const [audio] = result.audios as Record<string, unknown>[];
    assert.equal(audio?.id, aiozSeedId);
    assert.equal(audio?.status, "done");
    assert.equal(audio?.hls_url, `${h.sandbox.aioz.url}/media/${aiozSeedId}/m3u8`);
    assert.ok(outcome.text.includes(String(audio?.hls_url)));
  });

  it("aioz_list_audio reads the list under data.media (newer SDKs) as well as data.videos", async () => {
    h.sandbox.aioz.inject({
      route: "/media",
      method: "POST",
      status: 200,
      body: '{"status":"success","data":{"media":[{"id":"from-media-key","title":"T","status":"done"}],"total":1}}',
    });
    const result = succeeded(await h.call("aioz_list_audio", {}));
    assert.equal(result.total, 1);
    assert.deepEqual(
      (result.audios as Record<string, unknown>[]).map((audio) => audio.id),
      ["from-media-key"],
    );
  });

  it("aioz_get_audio sends GET /media/{id} and returns the audio with its HLS and DASH stream and player URLs", async () => {
    const outcome = await h.call("aioz_get_audio", { audio_id: aiozSeedId });
    const audio = succeeded(outcome).audio as Record<string, unknown>;
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, aiozPath(`/media/${aiozSeedId}`));
    assert.deepEqual(request.query, {});
    assert.equal(request.body, undefined);
    assert.equal(audio.id, aiozSeedId);
    assert.equal(audio.status, "done");
    assert.equal(audio.hls_url, `${h.sandbox.aioz.url}/media/${aiozSeedId}/m3u8`);
    assert.equal(audio.dash_url, `${h.sandbox.aioz.url}/media/${aiozSeedId}/manifest`);
    assert.match(String(audio.hls_player_url), /\/vod\/hls\//);
    assert.match(String(audio.dash_player_url), /\/vod\/dash\//);
    assert.equal(typeof audio.duration, "number");
    for (const url of [audio.hls_url, audio.dash_url, audio.hls_player_url]) {
      assert.ok(outcome.text.includes(String(url)));
    }
  });

  it("aioz_update_audio sends PATCH /media/{id} with only the given fields and reports it updated", async () => {
    const id = String(
      (succeeded(await h.call("aioz_create_audio", { title: "Before" })).audio as Record<string, unknown>).id,
    );
    h.sandbox.aioz.clearRequests();
    const result = succeeded(
      await h.call("aioz_update_audio", {
        audio_id: id,
        title: "After",
        tags: ["renamed"],
        is_public: false,
        player_theme_id: "theme-1",
      }),
    );
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "PATCH");
    assert.equal(request.path, aiozPath(`/media/${id}`));
    assert.deepEqual(request.body, {
      title: "After",
      tags: ["renamed"],
      is_public: false,
      player_id: "theme-1",
    });
    assert.deepEqual(result, { updated: true, audio_id: id });
    const audio = succeeded(await h.call("aioz_get_audio", { audio_id: id })).audio as Record<
      string,
      unknown
    >;
    assert.equal(audio.title, "After");
    assert.equal(audio.player_theme_id, "theme-1");
  });

  it("aioz_delete_audio sends DELETE /media/{id} with no body or query and reports it deleted", async () => {
    const id = String(
      (succeeded(await h.call("aioz_create_audio", { title: "Doomed" })).audio as Record<string, unknown>).id,
    );
    h.sandbox.aioz.clearRequests();
    const result = succeeded(await h.call("aioz_delete_audio", { audio_id: id }));
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "DELETE");
    assert.equal(request.path, aiozPath(`/media/${id}`));
    assert.deepEqual(request.query, {});
    assert.equal(request.body, undefined);
    assert.deepEqual(result, { deleted: true, audio_id: id });
    const gone = await h.call("aioz_get_audio", { audio_id: id });
    assert.equal(gone.isError, true);
    assert.match(gone.text, /404/);
  });

  it("aioz_estimate_transcode_cost sends GET /media/cost?type=audio&qualities=a,b&duration=N", async () => {
    const result = succeeded(
      await h.call("aioz_estimate_transcode_cost", { qualities: ["good", "highest"], duration: 120 }),
    );
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "GET");
    assert.equal(request.path, aiozPath("/media/cost"));
    assert.deepEqual(request.query, { type: "audio", qualities: "good,highest", duration: "120" });
    assert.equal(request.body, undefined);
    // The provider's `price`: 2 presets × 2 minutes at the emulator's 0.0025 USD per preset-minute.
    assert.equal(result.price_usd, 0.01);
    assert.equal(result.is_enough, true);
  });

  it("aioz_upload_audio_part sends one multipart part numbered from 1, with the part's MD5 and its Content-Range", async () => {
    const id = String(
      (succeeded(await h.call("aioz_create_audio", { title: "Parts" })).audio as Record<string, unknown>).id,
    );
    const bytes = Buffer.from(Array.from({ length: 2500 }, (_, i) => i % 251));
    const file = path.join(h.filesDir, "parts.bin");
    await writeFile(file, bytes);
    h.sandbox.aioz.clearRequests();

    const first = succeeded(
      await h.call("aioz_upload_audio_part", {
        audio_id: id,
        file_path: file,
        index: 1,
        chunk_size_bytes: 1024,
      }),
    );
    assert.deepEqual(first, { audio_id: id, index: 1, bytes: 1024 });
    const request = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(request.method, "POST");
    assert.equal(request.path, aiozPath(`/media/${id}/part`));
    assert.equal(request.headers.authorization, `Bearer ${h.sandbox.credentials.aiozToken}`);
    assert.equal(request.headers["content-range"], "bytes 0-1023/2500");
    assert.match(request.headers["content-type"] ?? "", /^multipart\/form-data; boundary=/);
    const body = request.body as { fields: Record<string, string>; file: { size: number; md5: string } };
    assert.deepEqual(body.fields, { hash: md5(bytes.subarray(0, 1024)), index: "1" });
    assert.equal(body.file.size, 1024);
    assert.equal(body.file.md5, md5(bytes.subarray(0, 1024)));

    h.sandbox.aioz.clearRequests();
    succeeded(
      await h.call("aioz_upload_audio_part", {
        audio_id: id,
        file_path: file,
        index: 2,
        chunk_size_bytes: 1024,
      }),
    );
    const last = succeeded(
      await h.call("aioz_upload_audio_part", {
        audio_id: id,
        file_path: file,
        index: 3,
        chunk_size_bytes: 1024,
      }),
    );
    assert.deepEqual(last, { audio_id: id, index: 3, bytes: 452 });
    const [second, third] = h.sandbox.aioz.requests;
    assert.equal(second?.headers["content-range"], "bytes 1024-2047/2500");
    assert.equal(third?.headers["content-range"], "bytes 2048-2499/2500");
    assert.equal(
      (third?.body as { fields?: Record<string, string> } | undefined)?.fields?.hash,
      md5(bytes.subarray(2048)),
    );

    h.sandbox.aioz.clearRequests();
    const completed = succeeded(await h.call("aioz_complete_audio_upload", { audio_id: id, wait_s: 0 }));
    const complete = onlyRequest(h.sandbox.aioz.requests);
    assert.equal(complete.method, "GET");
    assert.equal(complete.path, aiozPath(`/media/${id}/complete`));
    assert.deepEqual(complete.query, {});
    assert.equal(complete.body, undefined);
    assert.equal(completed.audio_id, id);
    const job = completed.job as Record<string, unknown>;
    assert.equal(job.id, `aioz:${id}`);
    assert.equal(job.kind, "transcode");
    assert.equal(job.status, "processing");
  });

  it("aioz_complete_audio_upload, waiting, returns the finished transcode with its stream URL", async () => {
    const id = String(
      (succeeded(await h.call("aioz_create_audio", { title: "Wait" })).audio as Record<string, unknown>).id,
    );
    const file = path.join(h.filesDir, "wait.bin");
    await writeFile(file, Buffer.alloc(100, 1));
    succeeded(
      await h.call("aioz_upload_audio_part", {
        audio_id: id,
        file_path: file,
        index: 1,
        chunk_size_bytes: 1024,
      }),
    );
    const outcome = await h.call("aioz_complete_audio_upload", { audio_id: id, wait_s: 20 });
    const job = succeeded(outcome).job as Record<string, unknown>;
    assert.equal(job.status, "done");
    assert.equal(
      (job.result as Record<string, unknown>).stream_url,
      `${h.sandbox.aioz.url}/media/${id}/m3u8`,
    );
  });

  it("aioz_upload_audio creates the audio, sends every part in order, completes, and returns the audio and its job", async () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
    const file = path.join(h.filesDir, "episode.wav");
    await writeFile(file, bytes);
    const outcome = await h.call("aioz_upload_audio", {
      file_path: file,
      title: "Episode",
      tags: ["podcast"],
      chunk_size_bytes: 1024,
      wait_s: 20,
    });
    const result = succeeded(outcome);
    const audio = result.audio as Record<string, unknown>;
    const job = result.job as Record<string, unknown>;
    const id = String(audio.id);
    const requests = h.sandbox.aioz.requests;
    const routes = routesOf(requests);
    assert.equal(routes[0], `POST ${aiozPath("/media/create")}`);
    assert.deepEqual(requests[0]?.body, { type: "audio", title: "Episode", tags: ["podcast"] });
    assert.deepEqual(routes.slice(1, 5), [
      `POST ${aiozPath(`/media/${id}/part`)}`,
      `POST ${aiozPath(`/media/${id}/part`)}`,
      `POST ${aiozPath(`/media/${id}/part`)}`,
      `GET ${aiozPath(`/media/${id}/complete`)}`,
    ]);
    assert.deepEqual(
      requests.slice(1, 4).map((request) => request.headers["content-range"]),
      ["bytes 0-1023/3000", "bytes 1024-2047/3000", "bytes 2048-2999/3000"],
    );
    assert.deepEqual(
      requests.slice(1, 4).map((request) => (request.body as { fields: Record<string, string> }).fields),
      [
        { hash: md5(bytes.subarray(0, 1024)), index: "1" },
        { hash: md5(bytes.subarray(1024, 2048)), index: "2" },
        { hash: md5(bytes.subarray(2048)), index: "3" },
      ],
    );
    assert.equal(audio.title, "Episode");
    assert.equal(job.id, `aioz:${id}`);
    assert.equal(job.status, "done");
    assert.equal(audio.status, "done");
    assert.equal(audio.hls_url, `${h.sandbox.aioz.url}/media/${id}/m3u8`);
    assert.ok(outcome.text.includes(String(audio.hls_url)));
  });
});

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
  let alt: Harness;

  before(async () => {
    alt = await startHarness({
      // Every job fails here, so failed jobs can be checked too.
      sandbox: { jobDurationMs: 100, failureRate: 1 },
      env: {
        AIOZ_STREAM_TOKEN: "",
        AIOZ_STREAM_PUBLIC_KEY: "sandbox-aioz-public",
        AIOZ_STREAM_SECRET_KEY: "sandbox-aioz-secret",
        AISTUDIOS_API_KEY: "",
        AISTUDIOS_APP_ID: "sandbox-app",
        AISTUDIOS_USER_KEY: "sandbox-user-key",
      },
    });
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

  it("a VideoDB generation that fails comes back as a failed job with the provider's reason", async () => {
    const outcome = await alt.call("videodb_generate_video", { prompt: "Doomed", wait_s: 20 });
    const job = succeeded(outcome).job as Record<string, unknown>;
    assert.equal(job.status, "failed");
    // The emulator's own message for a generation it failed on purpose.
    const reason = "Video generation failed (sandbox failureRate)";
    assert.ok(String(job.error).includes(reason), `job.error: ${job.error}`);
    assert.ok(outcome.text.includes(reason), outcome.text);
  });

  it("an AIOZ transcode that fails comes back as a failed job from job_wait", async () => {
    const file = path.join(alt.filesDir, "fail.bin");
    await writeFile(file, Buffer.alloc(100, 3));
    const uploaded = succeeded(
      await alt.call("aioz_upload_audio", { file_path: file, chunk_size_bytes: 1024, wait_s: 0 }),
    );
    const id = String((uploaded.job as Record<string, unknown>).id);
    const job = succeeded(await alt.call("job_wait", { job_id: id, timeout_s: 20 })).job as Record<
      string,
      unknown
    >;
    assert.equal(job.status, "failed");
    assert.match(String(job.error), /fail/);
  });

  it("AIOZ public and secret keys go in the stream-public-key and stream-secret-key headers, without Authorization", async () => {
    alt.sandbox.aioz.clearRequests();
    succeeded(await alt.call("aioz_get_audio", { audio_id: aiozSeedId }));
    const request = onlyRequest(alt.sandbox.aioz.requests);
    assert.equal(request.headers["stream-public-key"], "sandbox-aioz-public");
    assert.equal(request.headers["stream-secret-key"], "sandbox-aioz-secret");
    assert.equal(request.headers.authorization, undefined);
  });
});
