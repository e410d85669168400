import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { SANDBOX_SEED } from "../../src/sandbox/index.js";
import { testBasePaths } from "../helpers/harness.js";
import {
  type InProcessHarness,
  inProcessForFile,
  startWithAlternativeCredentials,
} from "../helpers/in-process.js";
import { onlyRequest, routesOf, succeeded } from "../helpers/outcome.js";

const aiozSeedId = SANDBOX_SEED.aioz.audioId;
const aiozPath = (route: string) => `${testBasePaths.aioz}${route}`;

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

const h = inProcessForFile({ sandbox: { jobDurationMs: 200 } });

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

  it("aioz_list_audio reads the list under data.videos (the seed document's name) as well as data.media", async () => {
    h.sandbox.aioz.inject({
      route: "/media",
      method: "POST",
      status: 200,
      body: '{"status":"success","data":{"videos":[{"id":"from-media-key","title":"T","status":"done"}],"total":1}}',
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
    assert.deepEqual(requests[0]?.body, { type: "audio", title: "Episode" });
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

describe("alternative credentials", () => {
  let alt: InProcessHarness;

  before(async () => {
    alt = await startWithAlternativeCredentials();
  });

  after(async () => {
    await alt?.close();
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
