import assert from "node:assert/strict";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { transcriptResult } from "../../src/providers/videodb/results.js";
import { SANDBOX_SEED } from "../../src/sandbox/index.js";
import { patternMp4 } from "../../src/sandbox/media.js";
import { testBasePaths } from "../helpers/harness.js";
import { inProcessForFile } from "../helpers/in-process.js";
import { failed, routesOf, succeeded } from "../helpers/outcome.js";

const [cityVideo = "", walkthroughVideo = ""] = SANDBOX_SEED.videodb.videoIds;
const videodbPath = (route: string) => `${testBasePaths.videodb}${route}`;

const h = inProcessForFile({ sandbox: { jobDurationMs: 100 } });

let listed = false;
beforeEach(async () => {
  // As hosts do: the SDK's client then checks every result against the listed output schema.
  if (!listed) await h.client.listTools();
  listed = true;
  h.sandbox.videodb.clearFaults();
  h.sandbox.videodb.holdJobs = false;
});

type Json = Record<string, unknown>;
const jobOf = (result: Json) => result.job as { id: string; status: string; kind: string; result?: Json };

/** A real MP4 (the sandbox's 8-second test pattern) in the allowed folder. */
async function localVideo(name = "interview.mp4"): Promise<string> {
  const file = path.join(h.filesDir, name);
  await writeFile(file, patternMp4());
  return file;
}

async function uploadVideo(): Promise<Json> {
  const result = succeeded(await h.call("videodb_upload", { file_path: await localVideo(), wait_s: 20 }));
  const job = jobOf(result);
  assert.equal(job.status, "done", JSON.stringify(job));
  return job.result as Json;
}

describe("VideoDB workflows: from a local file to a compiled stream", () => {
  it("uploads a local file, indexes it, searches it and hands over a compiled HLS stream that loads, in three calls", async () => {
    const file = await localVideo();
    const progress: Array<{ progress: number; total?: number }> = [];
    const uploaded = succeeded(
      await h.call(
        "videodb_upload",
        { file_path: file, wait_s: 20 },
        { onprogress: (event) => progress.push(event) },
      ),
    );
    const job = jobOf(uploaded);
    assert.equal(job.status, "done");
    assert.equal(job.kind, "upload");
    const media = job.result as Json;
    assert.equal(media.media_type, "video");
    assert.match(String(media.video_id), /^m-/);
    assert.equal(media.length, 8, "the sandbox reads the MP4's own duration");
    assert.match(String(media.stream_url), /\.m3u8$/);
    // Progress in bytes: the file's size is the first total reported.
    assert.equal(progress[0]?.total, patternMp4().length);
    assert.equal(
      progress.find((event) => event.progress === patternMp4().length)?.total,
      patternMp4().length,
    );

    const routes = routesOf(h.sandbox.videodb.requests);
    assert.equal(routes[0], `GET ${videodbPath("/collection/default/upload_url")}`);
    assert.match(routes[1] ?? "", /^POST \/sandbox\/videodb\/upload\/[0-9a-f]+$/);
    assert.equal(routes[2], `POST ${videodbPath("/collection/default/upload")}`);
    const [askUrl, sendFile, addMedia] = h.sandbox.videodb.requests;
    assert.deepEqual(askUrl?.query, { name: "interview" });
    assert.equal(sendFile?.headers["x-access-token"], undefined, "no VideoDB key goes to the upload URL");
    assert.equal(
      (sendFile?.body as { file?: { size: number } } | undefined)?.file?.size,
      patternMp4().length,
      "the file went as the multipart field `file`",
    );
    assert.equal(addMedia?.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    const added = addMedia?.body as Json;
    assert.equal(added.name, "interview");
    assert.equal(added.media_type, "video");
    assert.equal(added.url, `${h.sandbox.videodb.origin}${sendFile?.path}`);
    // The uploaded bytes are served back at their URL, progressively.
    const back = await fetch(String(added.url));
    assert.equal(back.headers.get("content-type"), "video/mp4");
    assert.equal((await back.arrayBuffer()).byteLength, patternMp4().length);

    const indexed = jobOf(
      succeeded(await h.call("videodb_index_spoken_words", { video_id: media.video_id, wait_s: 20 })),
    );
    assert.equal(indexed.status, "done");
    assert.deepEqual(indexed.result, { video_id: media.video_id, indexed: true });

    h.clearRequests();
    const found = succeeded(
      await h.call("videodb_search", { video_id: media.video_id, query: "placeholder transcript" }),
    );
    const shots = found.shots as Array<{ video_id: string; start: number; end: number; text: string }>;
    assert.ok(shots.length > 0);
    for (const shot of shots) {
      assert.equal(shot.video_id, media.video_id);
      assert.ok(shot.start >= 0 && shot.start < shot.end && shot.end <= 8, JSON.stringify(shot));
      assert.match(shot.text, /placeholder|transcri/i);
    }
    assert.deepEqual(routesOf(h.sandbox.videodb.requests), [
      `POST ${videodbPath(`/video/${media.video_id}/search/`)}`,
      `POST ${videodbPath("/compile/")}`,
    ]);
    const compiled = h.sandbox.videodb.requests[1]?.body as Array<{ video_id: string; shots: number[][] }>;
    assert.deepEqual(
      compiled.map((entry) => entry.shots),
      shots.map((shot) => [[shot.start, shot.end]]),
    );
    const playlist = await fetch(String(found.stream_url));
    assert.equal(playlist.status, 200);
    const text = await playlist.text();
    assert.match(text, /^#EXTM3U/);
    const segment = text.split("\n").find((line) => line.startsWith("http"));
    assert.ok(segment);
    const bytes = new Uint8Array(await (await fetch(segment)).arrayBuffer());
    assert.equal(bytes[0], 0x47, "the first segment is an MPEG transport stream");
  });

  it("searching a video whose spoken words are not indexed is an error that names videodb_index_spoken_words", async () => {
    const { video_id } = await uploadVideo();
    const text = failed(
      await h.call("videodb_search", { video_id, query: "placeholder" }),
      /not indexed/,
      /videodb_index_spoken_words/,
    );
    assert.ok(text.includes(String(video_id)));
    assert.ok(!h.sandbox.videodb.requests.some((request) => request.path.endsWith("/compile/")));
  });

  it("a collection search finds the sample walkthrough's words about pricing, each shot inside its video", async () => {
    await h.call("videodb_index_spoken_words", { video_id: walkthroughVideo, force: true, wait_s: 20 });
    const found = succeeded(await h.call("videodb_search", { query: "pricing", compile: false }));
    const shots = found.shots as Array<{ video_id: string; start: number; end: number; text: string }>;
    assert.ok(shots.some((shot) => shot.video_id === walkthroughVideo && /pricing/i.test(shot.text)));
    for (const shot of shots) assert.ok(shot.start >= 0 && shot.start < shot.end && shot.end <= 48.5);
    assert.equal(found.stream_url, undefined, "compile: false compiles nothing");
    assert.ok(!h.sandbox.videodb.requests.some((request) => request.path.endsWith("/compile/")));
    const request = h.sandbox.videodb.requests.find(
      (r) => r.path === videodbPath("/collection/default/search/"),
    );
    assert.deepEqual(request?.body, {
      query: "pricing",
      search_type: "semantic",
      index_type: "spoken_word",
      result_threshold: 5,
      score_threshold: 0.2,
    });
  });

  it("indexing a video that is already indexed is a job done at once, not an error", async () => {
    await h.call("videodb_index_spoken_words", { video_id: walkthroughVideo, force: true, wait_s: 20 });
    const job = jobOf(succeeded(await h.call("videodb_index_spoken_words", { video_id: walkthroughVideo })));
    assert.equal(job.status, "done");
    assert.deepEqual(job.result, { video_id: walkthroughVideo, indexed: true });
    const again = jobOf(succeeded(await h.call("job_status", { job_id: job.id })));
    assert.equal(again.status, "done");
  });

  it("a running upload's job id alone gives the finished result through job_wait: the kind travels in the id", async () => {
    h.sandbox.videodb.holdJobs = true;
    const started = jobOf(
      succeeded(await h.call("videodb_upload", { file_path: await localVideo(), wait_s: 0 })),
    );
    assert.equal(started.status, "processing");
    assert.match(started.id, /^videodb:upload:/);
    h.sandbox.videodb.holdJobs = false;
    const done = jobOf(succeeded(await h.call("job_wait", { job_id: started.id, timeout_s: 20 })));
    assert.equal(done.status, "done");
    assert.equal((done.result as Json).media_type, "video");
    assert.match(String((done.result as Json).video_id), /^m-/);
  });

  it("videodb_get_video reads one video and videodb_delete_video deletes it", async () => {
    const { video_id } = await uploadVideo();
    const got = succeeded(await h.call("videodb_get_video", { video_id }));
    assert.equal((got.video as Json).id, video_id);
    assert.equal((got.video as Json).length, 8);
    h.clearRequests();
    const deleted = succeeded(await h.call("videodb_delete_video", { video_id }));
    assert.deepEqual(deleted, { deleted: true, video_id });
    assert.deepEqual(routesOf(h.sandbox.videodb.requests), [`DELETE ${videodbPath(`/video/${video_id}`)}`]);
    failed(await h.call("videodb_get_video", { video_id }), /404|not found/i);
  });

  it("an upload URL that is neither https nor loopback gets no byte of the file, and the error says nothing was created", async () => {
    h.sandbox.videodb.inject({
      route: "/collection/default/upload_url",
      status: 200,
      body: JSON.stringify({ success: true, data: { upload_url: "http://storage.example.com/put?sig=1" } }),
    });
    const text = failed(
      await h.call("videodb_upload", { file_path: await localVideo() }),
      /not https/,
      /Nothing was uploaded or created/,
    );
    assert.ok(!text.includes(h.sandbox.credentials.videodbApiKey));
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });

  it("a cancelled upload stops sending the file at once, and adds nothing to the collection", async () => {
    // Storage of its own that takes the first MiB and then stops reading: the upload cannot finish
    // before the cancel, whatever the machine's speed.
    let received = 0;
    let stopped: Promise<unknown> | undefined;
    let incoming: IncomingMessage | undefined;
    let released = false;
    let tookFirstMiB = () => {};
    const firstMiB = new Promise<void>((resolve) => {
      tookFirstMiB = resolve;
    });
    const storage = createServer((req: IncomingMessage) => {
      incoming = req;
      stopped = new Promise((resolve) => req.once("close", resolve));
      // The client going away mid-body is what this test waits for, not a failure.
      req.on("error", () => undefined);
      req.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (!released && received >= 1024 * 1024) {
          req.pause();
          tookFirstMiB();
        }
      });
    });
    storage.listen(0, "127.0.0.1");
    await once(storage, "listening");
    try {
      const port = (storage.address() as AddressInfo).port;
      h.sandbox.videodb.inject({
        route: "/collection/default/upload_url",
        status: 200,
        body: JSON.stringify({ success: true, data: { upload_url: `http://127.0.0.1:${port}/put` } }),
      });
      const file = path.join(h.filesDir, "long-take.mp4");
      await writeFile(file, Buffer.alloc(32 * 1024 * 1024, 7));
      const controller = new AbortController();
      const call = h.call("videodb_upload", { file_path: file }, { signal: controller.signal });
      await firstMiB;
      controller.abort();
      await assert.rejects(call, /abort/i);
      // A paused socket does not read, so it would never see the client close it: read on until it does.
      released = true;
      incoming?.resume();
      await stopped;
      assert.ok(received < 32 * 1024 * 1024, `${received} bytes arrived`);
      assert.deepEqual(routesOf(h.sandbox.videodb.requests), [
        `GET ${videodbPath("/collection/default/upload_url")}`,
      ]);
    } finally {
      storage.closeAllConnections();
      storage.close();
    }
  });

  it("a file outside the allowed folders is refused before any request", async () => {
    failed(await h.call("videodb_upload", { file_path: "/etc/hostname" }), /file_path/, /outside/);
    assert.equal(h.sandbox.videodb.requests.length, 0);
  });

  it("an upload from a URL sends only the add-media request, with the media type from the URL's extension", async () => {
    const job = jobOf(
      succeeded(
        await h.call("videodb_upload", { url: "https://media.example.com/talks/keynote.mp3", wait_s: 20 }),
      ),
    );
    assert.deepEqual(routesOf(h.sandbox.videodb.requests).slice(0, 1), [
      `POST ${videodbPath("/collection/default/upload")}`,
    ]);
    assert.deepEqual(h.sandbox.videodb.requests[0]?.body, {
      url: "https://media.example.com/talks/keynote.mp3",
      media_type: "audio",
    });
    assert.equal(job.status, "done");
    const result = job.result as Json;
    assert.equal(result.media_type, "audio");
    assert.match(String(result.audio_id), /^a-/);
    const audio = await fetch(String(result.url));
    assert.match(String(audio.headers.get("content-type")), /^audio\//);
  });
});

describe("VideoDB uploads of other media", () => {
  it("an image by URL ends with its image_id and a URL that serves an image", async () => {
    const job = jobOf(
      succeeded(await h.call("videodb_upload", { url: "https://media.example.com/cover.png", wait_s: 20 })),
    );
    const result = job.result as Json;
    assert.equal(result.media_type, "image");
    assert.match(String(result.image_id), /^img-/);
    const image = await fetch(String(result.url));
    assert.equal(image.headers.get("content-type"), "image/png");
  });
});

describe("the VideoDB sandbox refuses what the live service refuses", () => {
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${h.sandbox.videodb.url}${route}`, {
      ...init,
      headers: { "x-access-token": h.sandbox.credentials.videodbApiKey, "content-type": "application/json" },
    });

  it("a compile whose shot reaches past the video's end", async () => {
    const response = await api("/compile/", {
      method: "POST",
      body: JSON.stringify([{ video_id: walkthroughVideo, collection_id: "default", shots: [[40, 60]] }]),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /inside the video/);
  });

  it("an index other than spoken words, and a keyword search over a collection", async () => {
    const index = await api(`/video/${walkthroughVideo}/index/`, {
      method: "POST",
      body: JSON.stringify({ index_type: "scene" }),
    });
    assert.equal(index.status, 400);
    const search = await api("/collection/default/search/", {
      method: "POST",
      body: JSON.stringify({ query: "pricing", search_type: "keyword", index_type: "spoken_word" }),
    });
    assert.equal(search.status, 400);
    assert.match(((await search.json()) as { message: string }).message, /inside one video/);
  });

  it("a file sent to the upload URL with the API key, which belongs to the API alone", async () => {
    const ask = (await (await api("/collection/default/upload_url?name=x")).json()) as {
      data: { upload_url: string };
    };
    const form = new FormData();
    form.append("file", new Blob([patternMp4()]), "x.mp4");
    const response = await fetch(ask.data.upload_url, {
      method: "POST",
      headers: { "x-access-token": h.sandbox.credentials.videodbApiKey },
      body: form,
    });
    assert.equal(response.status, 400);
  });
});

describe("VideoDB transcripts", () => {
  it("a video not yet transcribed answers with a job, and its transcript within the wait, in sentences", async () => {
    const result = succeeded(await h.call("videodb_get_transcript", { video_id: cityVideo, wait_s: 20 }));
    assert.equal(result.video_id, cityVideo);
    const segments = result.segments as Array<{ start: number; end: number; text: string }>;
    assert.equal(segments.length, 10);
    assert.match(String(result.text), /harbour bridge/);
    const request = h.sandbox.videodb.requests[0];
    assert.equal(request?.path, videodbPath(`/video/${cityVideo}/transcription/`));
    assert.deepEqual(request?.query, { segmenter: "sentence" });
  });

  it("a long transcript is cut at a segment boundary with truncated and the start to ask for next", () => {
    const words = Array.from({ length: 3000 }, (_, i) => ({
      start: i,
      end: i + 1,
      text: `sentence number ${i} `,
    }));
    const result = transcriptResult("m-1", { word_timestamps: words, text: "unused" });
    assert.equal(result.truncated, true);
    assert.ok(result.text.length <= 20_000);
    const last = result.segments.at(-1);
    assert.equal(result.next_start, (last?.start ?? 0) + 1);
    assert.equal(result.text, result.segments.map((segment) => segment.text).join(" "));
  });
});

describe("VideoDB generation", () => {
  it("a voice-over is a job whose result has the audio_id and a URL that plays the asked audio", async () => {
    const job = jobOf(
      succeeded(
        await h.call("videodb_generate_audio", { kind: "voice", text: "Welcome to the launch.", wait_s: 20 }),
      ),
    );
    assert.equal(job.status, "done");
    assert.equal(job.kind, "audio_generation");
    const result = job.result as Json;
    assert.match(String(result.audio_id), /^a-/);
    const sent = h.sandbox.videodb.requests[0];
    assert.equal(sent?.path, videodbPath("/collection/default/generate/audio/"));
    assert.deepEqual(sent?.body, {
      text: "Welcome to the launch.",
      audio_type: "voice",
      voice_name: "Default",
      config: {},
    });
    assert.ok(
      h.sandbox.videodb.requests.some((r) => r.path.endsWith(`/audio/${result.audio_id}/generate_url`)),
    );
    const audio = await fetch(String(result.url));
    assert.equal(audio.headers.get("content-type"), "audio/mpeg");
  });

  it("music and sound effects send their prompt and duration, defaulting to 5 and 2 seconds", async () => {
    await h.call("videodb_generate_audio", { kind: "music", prompt: "calm piano", wait_s: 0 });
    await h.call("videodb_generate_audio", {
      kind: "sound_effect",
      prompt: "door knock",
      duration: 3,
      wait_s: 0,
    });
    const bodies = h.sandbox.videodb.requests.map((request) => request.body);
    assert.deepEqual(bodies, [
      { prompt: "calm piano", duration: 5, audio_type: "music" },
      { prompt: "door knock", duration: 3, audio_type: "sound_effect", config: {} },
    ]);
  });

  it("a voice without text, or a sound effect longer than 30 s, is refused before any request", async () => {
    failed(await h.call("videodb_generate_audio", { kind: "voice", prompt: "x" }), /text/, /needs text/);
    failed(
      await h.call("videodb_generate_audio", { kind: "sound_effect", prompt: "boom", duration: 40 }),
      /duration/,
      /1-30/,
    );
    assert.equal(h.sandbox.videodb.requests.length, 0);
  });

  it("a generation is never sent twice: a 503 is reported, not retried", async () => {
    h.sandbox.videodb.inject({ route: "/collection/default/generate/image/", status: 503 });
    failed(await h.call("videodb_generate_image", { prompt: "a lighthouse" }), /503/);
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });

  it("a broken answer to a generation says the request may have been carried out, not to try again", async () => {
    h.sandbox.videodb.inject({ route: "/collection/default/generate/audio/", malformed: true });
    const text = failed(
      await h.call("videodb_generate_audio", { kind: "music", prompt: "calm piano" }),
      /may have been carried out/,
    );
    assert.doesNotMatch(text, /try again/i);
    assert.equal(h.sandbox.videodb.requests.length, 1);
  });

  it("the sandbox refuses an audio_type the live service does not know", async () => {
    const response = await fetch(`${h.sandbox.videodb.url}/collection/default/generate/audio/`, {
      method: "POST",
      headers: { "x-access-token": h.sandbox.credentials.videodbApiKey, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "x", audio_type: "speech" }),
    });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { message: string }).message, /audio_type/);
  });

  it("an image is a job whose result has the image_id and a URL serving a PNG of the asked aspect ratio", async () => {
    const job = jobOf(
      succeeded(
        await h.call("videodb_generate_image", { prompt: "a lighthouse", aspect_ratio: "16:9", wait_s: 20 }),
      ),
    );
    assert.equal(job.status, "done");
    const result = job.result as Json;
    assert.match(String(result.image_id), /^img-/);
    const png = Buffer.from(await (await fetch(String(result.url))).arrayBuffer());
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.equal(png.readUInt32BE(16), 256);
    assert.equal(png.readUInt32BE(20), 144);
    assert.deepEqual(h.sandbox.videodb.requests[0]?.body, { prompt: "a lighthouse", aspect_ratio: "16:9" });
  });
});
