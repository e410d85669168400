import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { SANDBOX_SEED, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { parseMultipart } from "../src/sandbox/multipart.js";

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

async function json(res: Response): Promise<Record<string, unknown>> {
  assert.equal(res.headers.get("content-type"), "application/json");
  return (await res.json()) as Record<string, unknown>;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 2000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("sandbox", () => {
  let sb: Sandbox;
  let env: Record<string, string>;
  const videodb = (path: string, init: RequestInit = {}) =>
    fetch(`${env.VIDEODB_BASE_URL}${path}`, {
      ...init,
      headers: {
        "x-access-token": sb.credentials.videodbApiKey,
        "content-type": "application/json",
        ...init.headers,
      },
    });
  const aioz = (path: string, init: RequestInit = {}) =>
    fetch(`${env.AIOZ_STREAM_BASE_URL}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${sb.credentials.aiozToken}`, ...init.headers },
    });

  before(async () => {
    sb = await startSandbox({ jobDurationMs: 50 });
    env = sb.env();
  });
  after(() => sb.close());

  test("every provider refuses a request without valid credentials, in its own envelope", async () => {
    const v = await fetch(`${env.VIDEODB_BASE_URL}/video?collection_id=default`);
    assert.equal(v.status, 401);
    assert.deepEqual(await json(v), { success: false, message: "Invalid API key" });

    const a = await fetch(`${env.AIOZ_STREAM_BASE_URL}/media/${SANDBOX_SEED.aioz.audioId}`);
    assert.equal(a.status, 401);
    assert.equal((await json(a)).status, "error");
    assert.ok(a.headers.get("x-ratelimit-remaining"));
    const wrongKeys = await fetch(`${env.AIOZ_STREAM_BASE_URL}/media/${SANDBOX_SEED.aioz.audioId}`, {
      headers: { "stream-public-key": sb.credentials.aiozPublicKey, "stream-secret-key": "nope" },
    });
    assert.equal(wrongKeys.status, 403);
    const keys = await fetch(`${env.AIOZ_STREAM_BASE_URL}/media/${SANDBOX_SEED.aioz.audioId}`, {
      headers: {
        "stream-public-key": sb.credentials.aiozPublicKey,
        "stream-secret-key": sb.credentials.aiozSecretKey,
      },
    });
    assert.equal(keys.status, 200);
    const basic = (pair: string) => `Basic ${Buffer.from(pair).toString("base64")}`;
    const asGo = await fetch(`${env.AIOZ_STREAM_BASE_URL}/media/${SANDBOX_SEED.aioz.audioId}`, {
      headers: { authorization: basic(`${sb.credentials.aiozPublicKey}:${sb.credentials.aiozSecretKey}`) },
    });
    assert.equal(asGo.status, 200, "the key pair as HTTP Basic alone, as the Go client sends it");
    const asNode = await fetch(`${env.AIOZ_STREAM_BASE_URL}/media/${SANDBOX_SEED.aioz.audioId}`, {
      headers: {
        authorization: basic(`${sb.credentials.aiozPublicKey}:${sb.credentials.aiozSecretKey}`),
        "stream-public-key": sb.credentials.aiozPublicKey,
        "stream-secret-key": sb.credentials.aiozSecretKey,
      },
    });
    assert.equal(asNode.status, 200, "Basic and the two headers, as the Node client sends them");
    const wrongBasic = await fetch(`${env.AIOZ_STREAM_BASE_URL}/media/${SANDBOX_SEED.aioz.audioId}`, {
      headers: { authorization: basic(`${sb.credentials.aiozPublicKey}:nope`) },
    });
    assert.equal(wrongBasic.status, 403);

    const s = await fetch(`${env.AISTUDIOS_BASE_URL}/api/odin/v3/model`, {
      headers: { authorization: `Bearer ${sb.credentials.aistudiosApiKey}` },
    });
    assert.equal(s.status, 401);
    assert.equal(((await json(s)).error as { code: string }).code, "UNAUTHORIZED");
  });

  test("AIOZ: create, upload two parts, complete, transcode, and the HLS segment serves the bytes", async () => {
    const created = await aioz("/media/create", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ type: "audio", title: "Two parts", tags: ["test"] }),
    });
    assert.equal(created.status, 201);
    const media = (await json(created)).data as {
      id: string;
      status: string;
      assets: Record<string, string>;
    };
    assert.equal(media.status, "new");
    assert.equal("mp4_url" in media.assets, false);

    const file = randomBytes(300_000);
    const parts = [file.subarray(0, 200_000), file.subarray(200_000)];
    let start = 0;
    for (const [index, part] of parts.entries()) {
      const form = new FormData();
      form.set("file", new Blob([part]), "sound.bin");
      form.set("index", String(index + 1));
      form.set("hash", md5(part));
      const res = await aioz(`/media/${media.id}/part`, {
        method: "POST",
        body: form,
        headers: { "content-range": `bytes ${start}-${start + part.length - 1}/${file.length}` },
      });
      assert.deepEqual(await json(res), { status: "success", message: "Upload part successfully." });
      start += part.length;
    }
    const recorded = sb.aioz.requests.at(-1);
    assert.deepEqual(recorded?.body, {
      fields: { index: "2", hash: md5(parts[1] ?? file) },
      order: ["file", "index", "hash"],
      file: { filename: "sound.bin", size: 100_000, md5: md5(parts[1] ?? file) },
    });

    const get = async () =>
      (await json(await aioz(`/media/${media.id}`))).data as typeof media & { size: number };
    // Held, so the running transcode is seen however slow the machine is; then let go.
    sb.aioz.holdJobs = true;
    try {
      const complete = await aioz(`/media/${media.id}/complete`);
      assert.deepEqual(await json(complete), {
        status: "success",
        message: "Upload completed successfully.",
      });
      assert.equal((await get()).status, "transcoding");
    } finally {
      sb.aioz.holdJobs = false;
    }
    const done = await until(get, (m) => m.status === "done");
    assert.equal(done.status, "done");
    assert.equal(done.size, file.length);

    const playlist = await (await fetch(done.assets.hls_url ?? "")).text();
    for (const tag of ["#EXTM3U", "#EXT-X-VERSION", "#EXT-X-TARGETDURATION", "#EXTINF", "#EXT-X-ENDLIST"]) {
      assert.match(playlist, new RegExp(tag));
    }
    const segmentUrl = playlist.split("\n").find((line) => line.startsWith("http"));
    const segment = Buffer.from(await (await fetch(segmentUrl ?? "")).arrayBuffer());
    assert.ok(segment.equals(file), "the segment is the uploaded file");
    assert.match(await (await fetch(done.assets.dash_url ?? "")).text(), /<MPD[\s\S]*<\/MPD>/);
    assert.match(
      await (await fetch(done.assets.hls_player_url ?? "")).text(),
      /<audio[\s\S]*mediagate sandbox/,
    );
  });

  test("AIOZ assembles parts sent in any order by index and Content-Range, refusing a wrong hash, an overlap and a gap", async () => {
    const created = await aioz("/media/create", {
      method: "POST",
      body: JSON.stringify({ type: "audio", title: "Parts in any order" }),
    });
    const { id } = (await json(created)).data as { id: string };
    const send = (index: number, bytes: Buffer, hash: string, range: string) => {
      const form = new FormData();
      form.set("file", new Blob([bytes]));
      form.set("index", String(index));
      form.set("hash", hash);
      return aioz(`/media/${id}/part`, { method: "POST", body: form, headers: { "content-range": range } });
    };
    const file = randomBytes(2500);
    const [first, second, last] = [file.subarray(0, 1000), file.subarray(1000, 2000), file.subarray(2000)];
    const wrong = await send(1, first, md5(Buffer.from("other")), "bytes 0-999/2500");
    assert.equal(wrong.status, 400);
    assert.deepEqual(await json(wrong), { status: "error", message: "hash mismatch" });

    assert.equal((await send(3, last, md5(last), "bytes 2000-2499/2500")).status, 200, "the last part first");
    assert.equal((await send(1, first, md5(first), "bytes 0-999/2500")).status, 200);
    const gap = await aioz(`/media/${id}/complete`);
    assert.equal(gap.status, 400);
    assert.match(String((await json(gap)).message), /part 2 is missing|bytes 1000-1999 are missing/);

    const overlap = await send(
      2,
      file.subarray(900, 1900),
      md5(file.subarray(900, 1900)),
      "bytes 900-1899/2500",
    );
    assert.equal(overlap.status, 400);
    assert.match(String((await json(overlap)).message), /overlaps part 1/);
    const changed = await send(3, Buffer.alloc(500), md5(Buffer.alloc(500)), "bytes 2000-2499/2500");
    assert.equal(changed.status, 400, "part 3 again with other bytes");
    assert.match(String((await json(changed)).message), /another hash/);
    assert.equal((await send(3, last, md5(last), "bytes 2000-2499/2500")).status, 200, "the same part again");

    assert.equal((await send(2, second, md5(second), "bytes 1000-1999/2500")).status, 200);
    assert.equal((await aioz(`/media/${id}/complete`)).status, 200);
    const done = await until(
      async () =>
        (await json(await aioz(`/media/${id}`))).data as {
          status: string;
          size: number;
          assets: Record<string, string>;
        },
      (media) => media.status === "done",
    );
    assert.equal(done.size, file.length);
    const source = Buffer.from(await (await fetch(done.assets.source_url ?? "")).arrayBuffer());
    assert.ok(source.equals(file), "the parts are assembled in byte order, not arrival order");
  });

  test("VideoDB: generate video goes from processing to done and joins the collection", async () => {
    const poll = async (url: string) =>
      json(await fetch(url, { headers: { "x-access-token": sb.credentials.videodbApiKey } }));
    // Held while the running job is looked at, and released whatever happens, so no later test inherits it.
    sb.videodb.holdJobs = true;
    let output_url: string;
    let running: Record<string, unknown>;
    try {
      const started = await videodb("/collection/default/generate/video/", {
        method: "POST",
        body: JSON.stringify({ prompt: "A drone over a city", duration: 6 }),
      });
      const body = await json(started);
      assert.equal(body.status, "processing");
      // As the official clients read it: no data.id, only the URL to poll.
      assert.deepEqual(Object.keys(body.data as object), ["output_url"]);
      output_url = (body.data as { output_url: string }).output_url;
      assert.match(output_url, /\/async-response\/job-[0-9a-f]+$/);
      running = await poll(output_url);
    } finally {
      sb.videodb.holdJobs = false;
    }
    assert.match(String(running.status), /^(processing|in progress)$/);
    const done = await until(
      () => poll(output_url),
      (answer) => answer.status === "complete",
    );
    const video = done.data as { id: string; length: number; stream_url: string };
    assert.match(video.id, /^m-/);
    assert.equal(video.length, 6);
    const playlist = await (await fetch(video.stream_url)).text();
    assert.match(playlist, /^#EXTM3U/);
    const list = await json(await videodb("/video?collection_id=default"));
    assert.ok((list.data as { videos: Array<{ id: string }> }).videos.some((v) => v.id === video.id));

    const badTimeline = await videodb(`/video/${SANDBOX_SEED.videodb.videoIds[0]}/stream/`, {
      method: "POST",
      body: JSON.stringify({ timeline: [[5, 2]], length: 123.4 }),
    });
    assert.equal(badTimeline.status, 400);
  });

  test("VideoDB answer shapes switch at run time: signed_url and response.data", async () => {
    const audioUrl = async () =>
      (
        await json(
          await videodb(`/audio/${SANDBOX_SEED.videodb.audioIds[0]}/generate_url?collection_id=default`, {
            method: "POST",
          }),
        )
      ).data as Record<string, string>;
    assert.ok((await audioUrl()).stream_url);
    sb.videodb.legacyAudioUrl = true;
    sb.videodb.asyncShape = "response";
    try {
      const url = (await audioUrl()).signed_url ?? "";
      assert.equal((await fetch(url)).headers.get("content-type"), "audio/mpeg");
      const started = await json(
        await videodb("/collection/default/generate/video/", {
          method: "POST",
          body: JSON.stringify({ prompt: "x" }),
        }),
      );
      const { output_url } = started.data as { output_url: string };
      const poll = async () =>
        json(await fetch(output_url, { headers: { "x-access-token": sb.credentials.videodbApiKey } }));
      const done = await until(poll, (answer) => answer.status === "complete");
      assert.match((done.response as { data: { id: string } }).data.id, /^m-/);
    } finally {
      sb.videodb.legacyAudioUrl = false;
      sb.videodb.asyncShape = "data";
    }
  });

  test("AI Studios: token exchange, then the exported WAV downloads", async () => {
    const exchanged = await fetch(`${env.AISTUDIOS_BASE_URL}/api/odin/v3/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        appId: sb.credentials.aistudiosAppId,
        userKey: sb.credentials.aistudiosUserKey,
      }),
    });
    const { token, expire } = (await json(exchanged)).data as { token: string; expire: number };
    assert.ok(expire > Date.now() / 1000 + 23 * 3600);
    const exported = await fetch(`${env.AISTUDIOS_BASE_URL}/api/odin/v3/simple/audio`, {
      method: "POST",
      headers: { authorization: token, "content-type": "application/json" },
      body: JSON.stringify({ language: "en", text: "Hello, this is test video", model: "M000045058" }),
    });
    const data = (await json(exported)).data as {
      fileName: string;
      downloadUrl: string;
      metaList: unknown[];
    };
    assert.match(data.fileName, /\.wav$/);
    const wav = await fetch(data.downloadUrl);
    assert.equal(wav.headers.get("content-type"), "audio/wav");
    const bytes = Buffer.from(await wav.arrayBuffer());
    assert.equal(bytes.toString("latin1", 0, 4), "RIFF");
    assert.equal(bytes.toString("latin1", 8, 12), "WAVE");
  });

  test("an injected 503 is answered once, then the emulator answers normally", async () => {
    sb.videodb.inject({ route: "/video", status: 503, headers: { "retry-after": "1" } });
    const faulted = await videodb("/video?collection_id=default");
    assert.equal(faulted.status, 503);
    assert.equal(faulted.headers.get("retry-after"), "1");
    assert.equal((await json(faulted)).success, false);
    const normal = await videodb("/video?collection_id=default");
    assert.equal(normal.status, 200);
    assert.equal(sb.videodb.requests.filter((r) => r.route === "/video").length >= 2, true);
  });

  test("a drop fault closes the socket without an answer", async () => {
    sb.aistudios.inject({ method: "GET", route: /model/, drop: true });
    await assert.rejects(
      fetch(`${env.AISTUDIOS_BASE_URL}/api/odin/v3/model`, {
        headers: { authorization: env.AISTUDIOS_API_KEY ?? "" },
      }),
    );
  });

  test("a body that is not JSON gets a 400 in the provider envelope", async () => {
    const res = await videodb(`/audio/${SANDBOX_SEED.videodb.audioIds[0]}/generate_url`, {
      method: "POST",
      body: "{not json",
    });
    assert.equal(res.status, 400);
    assert.equal((await json(res)).success, false);
  });
});

test("the multipart parser finds boundaries split anywhere across chunks", async () => {
  const boundary = "----sandbox-boundary";
  const file = randomBytes(5000);
  // A fake boundary inside the file data must not end the part.
  file.set(Buffer.from(`\r\n--${boundary.slice(0, -1)}`), 1000);
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="index"\r\n\r\n3\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a;b.bin"\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  for (const size of [1, 7, 64, 4099]) {
    async function* chunks() {
      for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
    }
    const parsed = await parseMultipart(chunks(), boundary, undefined);
    assert.deepEqual(parsed.fields, { index: "3" });
    assert.equal(parsed.file?.filename, "a;b.bin");
    assert.equal(parsed.file?.size, file.length);
    assert.equal(parsed.file?.md5, md5(file));
  }
});
