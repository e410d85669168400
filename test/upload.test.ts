import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { openUrl } from "../src/files/url-source.js";
import type { RecordedRequest } from "../src/sandbox/index.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { originForFile } from "./helpers/origin.js";
import { failed, succeeded } from "./helpers/outcome.js";

const partSize = 64 * 1024;
const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");

const h = inProcessForFile({ sandbox: { jobDurationMs: 200 } });
const served = randomBytes(2 * partSize + 4321);
const small = randomBytes(5000);
/** A loopback server for `url` sources: `/file` with Content-Length, `/chunked` without. */
const origin = originForFile((req, res) => {
  if (req.url === "/file.mp3") {
    res.writeHead(200, { "content-type": "audio/mpeg", "content-length": String(served.length) });
    res.end(served);
  } else if (req.url === "/chunked-small.mp3" || req.url === "/chunked-large.mp3") {
    res.writeHead(200, { "content-type": "audio/mpeg" });
    res.end(req.url === "/chunked-small.mp3" ? small : served);
  } else {
    res.writeHead(404).end();
  }
});

beforeEach(() => {
  h.sandbox.aioz.clearFaults();
});

async function writeAudio(name: string, bytes: Buffer): Promise<string> {
  const file = path.join(h.filesDir, name);
  await writeFile(file, bytes);
  return file;
}

interface RecordedPart {
  index: number;
  /** The multipart fields in the order they arrived. */
  order: string[];
  hash: string;
  range: string;
  file: { size: number; md5: string };
}

function partsOf(requests: readonly RecordedRequest[]): RecordedPart[] {
  return requests
    .filter((r) => r.method === "POST" && r.route.endsWith("/part"))
    .map((r) => {
      const body = r.body as {
        fields: Record<string, string>;
        order: string[];
        file: { size: number; md5: string };
      };
      return {
        index: Number(body.fields.index),
        order: body.order,
        hash: body.fields.hash ?? "",
        range: r.headers["content-range"] ?? "",
        file: { size: body.file.size, md5: body.file.md5 },
      };
    });
}

/**
 * What every part of `bytes` from part `from` on must look like on arrival: numbered from 1, `file` then
 * `hash` then `index`, as the official Go client sends them.
 */
function expectedParts(bytes: Buffer, from = 1): RecordedPart[] {
  const parts: RecordedPart[] = [];
  for (let start = (from - 1) * partSize, index = from; start < bytes.length; start += partSize, index++) {
    const slice = bytes.subarray(start, Math.min(bytes.length, start + partSize));
    parts.push({
      index,
      order: ["file", "hash", "index"],
      hash: md5(slice),
      range: `bytes ${start}-${start + slice.length - 1}/${bytes.length}`,
      file: { size: slice.length, md5: md5(slice) },
    });
  }
  return parts;
}

function routes(requests: readonly RecordedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.route.replace(/\/media\/[^/]+\//, "/media/{id}/")}`);
}

describe("aioz_upload_audio from a local file", () => {
  it("sends every part in order with its own MD5 and Content-Range, and the bytes arrive intact", async () => {
    const bytes = randomBytes(3 * partSize + 1000);
    const file = await writeAudio("several-parts.mp3", bytes);
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const outcome = await h.call(
      "aioz_upload_audio",
      { file_path: file, title: "Several parts", chunk_size_bytes: partSize, wait_s: 20 },
      { onprogress: (p) => progress.push(p) },
    );
    const result = succeeded(outcome) as { audio: { id: string; title: string }; job: { status: string } };
    assert.equal(result.audio.title, "Several parts");
    assert.equal(result.job.status, "done");
    assert.deepEqual(routes(h.sandbox.aioz.requests).slice(0, 6), [
      "POST /media/create",
      "POST /media/{id}/part",
      "POST /media/{id}/part",
      "POST /media/{id}/part",
      "POST /media/{id}/part",
      "GET /media/{id}/complete",
    ]);
    assert.deepEqual(partsOf(h.sandbox.aioz.requests), expectedParts(bytes));

    const uploadProgress = progress.filter((p) => p.total === bytes.length);
    assert.deepEqual(
      uploadProgress.map((p) => p.progress),
      [partSize, 2 * partSize, 3 * partSize, bytes.length],
    );
    assert.match(uploadProgress[0]?.message ?? "", /part 1 of 4 uploaded/);
    for (let i = 1; i < progress.length; i++) {
      assert.ok(
        (progress[i]?.progress ?? 0) > (progress[i - 1]?.progress ?? 0),
        "progress increases with every notification",
      );
    }
  });

  it("after a part fails beyond its retries, names the part and how to resume; resuming sends only the remaining parts", async () => {
    const bytes = randomBytes(4 * partSize + 10);
    const file = await writeAudio("resume.mp3", bytes);
    // The first two parts go through; the third fails on its first try and on both retries.
    h.sandbox.aioz.inject({ method: "POST", route: /\/part$/, times: 2 });
    h.sandbox.aioz.inject({ method: "POST", route: /\/part$/, status: 503, times: 3 });
    const first = await h.call("aioz_upload_audio", {
      file_path: file,
      chunk_size_bytes: partSize,
      wait_s: 0,
    });
    const text = failed(first, /part 3 of 5 failed/, /HTTP 503/, /Parts 1-2 are uploaded/, /"start_index":3/);
    const audioId = /"audio_id":"([^"]+)"/.exec(text)?.[1];
    assert.ok(audioId, `the error names the audio id to resume: ${text}`);
    const firstParts = partsOf(h.sandbox.aioz.requests);
    assert.deepEqual(
      firstParts.map((p) => p.index),
      [1, 2, 3, 3, 3],
      "the failed part alone is retried",
    );
    assert.ok(!routes(h.sandbox.aioz.requests).includes("GET /media/{id}/complete"));

    h.sandbox.aioz.clearRequests();
    const resumed = succeeded(
      await h.call("aioz_upload_audio", {
        file_path: file,
        audio_id: audioId,
        start_index: 3,
        chunk_size_bytes: partSize,
        wait_s: 20,
      }),
    ) as { audio: { id: string }; job: { status: string } };
    assert.equal(resumed.audio.id, audioId);
    assert.equal(resumed.job.status, "done");
    assert.ok(!routes(h.sandbox.aioz.requests).includes("POST /media/create"), "no second audio object");
    assert.deepEqual(partsOf(h.sandbox.aioz.requests), expectedParts(bytes, 3));
  });

  it("refuses a file outside MEDIAGATE_FILE_ROOTS, an empty file and a directory before creating anything", async () => {
    const empty = await writeAudio("empty.mp3", Buffer.alloc(0));
    failed(
      await h.call("aioz_upload_audio", { file_path: "/etc/hostname", wait_s: 0 }),
      /outside the allowed directories/,
    );
    failed(await h.call("aioz_upload_audio", { file_path: empty, wait_s: 0 }), /is empty/);
    failed(await h.call("aioz_upload_audio", { file_path: h.filesDir, wait_s: 0 }), /not a regular file/);
    failed(await h.call("aioz_upload_audio", { file_path: "missing.mp3", wait_s: 0 }), /no file at/);
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });

  it("asks for exactly one of file_path and url", async () => {
    const file = await writeAudio("one-of.mp3", randomBytes(100));
    failed(
      await h.call("aioz_upload_audio", { file_path: file, url: `${origin.url}/file.mp3`, wait_s: 0 }),
      /exactly one of file_path and url/,
    );
    failed(
      await h.call("aioz_upload_audio", { title: "Nothing", wait_s: 0 }),
      /exactly one of file_path and url/,
    );
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });

  it("refuses a start_index beyond the file's last part before creating anything", async () => {
    const file = await writeAudio("short.mp3", randomBytes(partSize + 1));
    failed(
      await h.call("aioz_upload_audio", {
        file_path: file,
        audio_id: "some-audio",
        start_index: 3,
        chunk_size_bytes: partSize,
        wait_s: 0,
      }),
      /start_index: the file has 2 part\(s\)/,
    );
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });
});

describe("aioz_upload_audio from a url", () => {
  it("streams a URL source through in parts whose bytes arrive intact", async () => {
    const outcome = await h.call("aioz_upload_audio", {
      url: `${origin.url}/file.mp3`,
      chunk_size_bytes: partSize,
      wait_s: 0,
    });
    const result = succeeded(outcome) as { audio: { title: string } };
    assert.equal(result.audio.title, "file.mp3");
    assert.deepEqual(partsOf(h.sandbox.aioz.requests), expectedParts(served));
  });

  it("accepts a source without Content-Length when it fits in one part", async () => {
    succeeded(await h.call("aioz_upload_audio", { url: `${origin.url}/chunked-small.mp3`, wait_s: 0 }));
    const [part] = partsOf(h.sandbox.aioz.requests);
    assert.deepEqual(part?.file, { size: small.length, md5: md5(small) });
    assert.equal(part?.range, `bytes 0-${small.length - 1}/${small.length}`);
  });

  it("refuses a source without Content-Length larger than one part, before creating anything", async () => {
    failed(
      await h.call("aioz_upload_audio", {
        url: `${origin.url}/chunked-large.mp3`,
        chunk_size_bytes: partSize,
        wait_s: 0,
      }),
      /no Content-Length/,
    );
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });

  it("refuses schemes other than http and https, and a URL that answers 404", async () => {
    failed(
      await h.call("aioz_upload_audio", { url: "file:///etc/passwd", wait_s: 0 }),
      /only http and https/,
    );
    failed(
      await h.call("aioz_upload_audio", { url: "ftp://example.com/a.mp3", wait_s: 0 }),
      /only http and https/,
    );
    failed(await h.call("aioz_upload_audio", { url: `${origin.url}/missing.mp3`, wait_s: 0 }), /HTTP 404/);
    assert.deepEqual(h.sandbox.aioz.requests, []);
  });

  it("refuses loopback and private addresses when they are not allowed, checking what a name resolves to", async () => {
    const options = { allowPrivate: false, maxBytes: 1024 ** 3, signal: new AbortController().signal };
    const port = new URL(origin.url).port;
    await assert.rejects(openUrl(`${origin.url}/file.mp3`, options), /private or loopback address/);
    await assert.rejects(
      openUrl(`http://localhost:${port}/file.mp3`, options),
      /private or loopback address/,
    );
    await assert.rejects(
      openUrl(`http://[::ffff:127.0.0.1]:${port}/file.mp3`, options),
      /private or loopback/,
    );
    await assert.rejects(openUrl("http://10.1.2.3/file.mp3", options), /private or loopback address/);
    const allowed = await openUrl(`${origin.url}/file.mp3`, { ...options, allowPrivate: true });
    assert.equal(allowed.total, served.length);
    allowed.body.destroy();
  });
});

describe("aioz_upload_audio_part", () => {
  it("sends the one part asked for, with the same MD5 and Content-Range rules", async () => {
    const bytes = randomBytes(2 * partSize + 77);
    const file = await writeAudio("by-part.mp3", bytes);
    const created = succeeded(await h.call("aioz_create_audio", { title: "By part" })) as {
      audio: { id: string };
    };
    h.sandbox.aioz.clearRequests();
    for (const index of [1, 2, 3]) {
      const outcome = succeeded(
        await h.call("aioz_upload_audio_part", {
          audio_id: created.audio.id,
          file_path: file,
          index,
          chunk_size_bytes: partSize,
        }),
      );
      assert.equal(outcome.index, index);
    }
    assert.deepEqual(partsOf(h.sandbox.aioz.requests), expectedParts(bytes));
    failed(
      await h.call("aioz_upload_audio_part", {
        audio_id: created.audio.id,
        file_path: file,
        index: 4,
        chunk_size_bytes: partSize,
      }),
      /index must be 1-3/,
    );
  });
});
