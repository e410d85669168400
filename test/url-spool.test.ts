import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { watch } from "node:fs";
import { open, readdir } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { inProcessForFile } from "./helpers/in-process.js";
import { originForFile } from "./helpers/origin.js";
import { failed, succeeded } from "./helpers/outcome.js";

// A `url` source that sends no Content-Length must be read whole before its size is known. Those bytes
// go to a temporary file, never into memory: up to 200 MB per part, for every upload running at once.

const h = inProcessForFile({ sandbox: { jobDurationMs: 100 } });
/** The largest part size: what the whole of a source without a length used to be read into, per call. */
const partSize = 200_000_000;
const sourceBytes = 16 * 1024 * 1024;
const block = 64 * 1024;

/**
 * A source's bytes, block by block: a marker naming it first, so its temporary copy can be told from any
 * other. Made as they are sent, so the test itself holds next to nothing of them.
 */
function* blocksOf(name: string): Generator<Buffer> {
  const filler = Buffer.alloc(block, name.charCodeAt(name.length - 1));
  for (let at = 0; at < sourceBytes; at += block) {
    if (at > 0) {
      yield filler;
      continue;
    }
    const first = Buffer.from(filler);
    first.write(`SPOOL-TEST ${name} `, 0, "latin1");
    yield first;
  }
}

const md5Of = (name: string) => {
  const hash = createHash("md5");
  for (const bytes of blocksOf(name)) hash.update(bytes);
  return hash.digest("hex");
};

interface Held {
  res: ServerResponse;
}
/** Each source asked for, by name: resolved once all its bytes were handed to the connection. */
const arrived = new Map<string, { promise: Promise<Held>; resolve: (held: Held) => void }>();
function arrival(name: string) {
  let entry = arrived.get(name);
  if (!entry) {
    let resolve: (held: Held) => void = () => undefined;
    const promise = new Promise<Held>((done) => {
      resolve = done;
    });
    entry = { promise, resolve };
    arrived.set(name, entry);
  }
  return entry;
}
/**
 * Resolves when the source `name` has been asked for and every byte of it was handed to the connection:
 * by then the reader has taken all but what the sockets still buffer. The answer stays open.
 */
const heldSource = (name: string): Promise<Held> => arrival(name).promise;

/** `/held/<name>`: the bytes without a length, the answer left open until the test ends it. */
const origin = originForFile((req, res) => {
  const name = /^\/held\/([\w-]+)$/.exec(req.url ?? "")?.[1];
  if (!name) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { "content-type": "audio/mpeg" });
  (async () => {
    for (const bytes of blocksOf(name)) {
      await new Promise<void>((resolve, reject) =>
        res.write(bytes, (error) => (error ? reject(error) : resolve())),
      );
    }
    arrival(name).resolve({ res });
  })().catch(() => undefined);
});

beforeEach(() => {
  arrived.clear();
});

/** The temporary copies in os.tmpdir() whose bytes begin with `name`'s marker. */
async function spoolsOf(names: string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const entry of await readdir(tmpdir())) {
    if (!entry.startsWith("mediagate-url-")) continue;
    const dir = path.join(tmpdir(), entry);
    const handle = await open(path.join(dir, "source")).catch(() => undefined);
    if (!handle) continue;
    try {
      const head = Buffer.alloc(40);
      await handle.read(head, 0, head.length, 0);
      const text = head.toString("latin1");
      for (const name of names) if (text.startsWith(`SPOOL-TEST ${name} `)) found.set(name, dir);
    } finally {
      await handle.close();
    }
  }
  return found;
}

/** Resolves once `dir` is gone, on the file system's own events (no polling). */
async function gone(dir: string): Promise<void> {
  const exists = async () =>
    (await readdir(path.dirname(dir)).catch(() => [] as string[])).includes(path.basename(dir));
  const watcher = watch(path.dirname(dir));
  try {
    const changed = new Promise<void>((resolve) => {
      const check = async () => {
        if (!(await exists())) resolve();
      };
      watcher.on("change", check);
      check();
    });
    await changed;
  } finally {
    watcher.close();
  }
}

describe("aioz_upload_audio from url sources without Content-Length", () => {
  it("holds four such uploads at once on disk, not in memory, and deletes each copy when it is done", async (t) => {
    const names = ["four-a", "four-b", "four-c", "four-d"];
    const calls = names.map((name) =>
      h.call("aioz_upload_audio", {
        url: `${origin.url}/held/${name}`,
        chunk_size_bytes: partSize,
        wait_s: 0,
      }),
    );
    const sources = await Promise.all(names.map(heldSource));
    // Every source has written its 16 MiB and the server has read all but what the sockets still buffer;
    // a copy in memory would by now be one buffer of the part size per call (4 x 200 MB).
    const arrayBuffers = process.memoryUsage().arrayBuffers;
    t.diagnostic(`array buffers with four uploads in flight: ${(arrayBuffers / 1024 / 1024).toFixed(1)} MiB`);
    assert.ok(
      arrayBuffers < partSize,
      `${(arrayBuffers / 1024 / 1024).toFixed(0)} MiB of buffers held by four uploads in flight`,
    );
    const spools = await spoolsOf(names);
    assert.deepEqual(
      [...spools.keys()].sort(),
      names,
      "each source is being copied to its own temporary file",
    );

    for (const source of sources) source.res.end();
    const outcomes = await Promise.all(calls);
    for (const [n, outcome] of outcomes.entries()) {
      const { audio } = succeeded(outcome) as { audio: { id: string } };
      const part = h.sandbox.aioz.requests.find((request) => request.route === `/media/${audio.id}/part`);
      const file = (part?.body as { file?: { size: number; md5: string } } | undefined)?.file;
      assert.deepEqual(file, {
        filename: names[n],
        size: sourceBytes,
        md5: md5Of(names[n] as string),
      });
    }
    assert.deepEqual(await spoolsOf(names), new Map(), "every temporary copy is deleted");
  });

  it("deletes the temporary copy when the call is cancelled while the source is read", async () => {
    const controller = new AbortController();
    const call = h.call(
      "aioz_upload_audio",
      { url: `${origin.url}/held/cancelled`, chunk_size_bytes: partSize, wait_s: 0 },
      { signal: controller.signal },
    );
    const source = await heldSource("cancelled");
    const spool = (await spoolsOf(["cancelled"])).get("cancelled");
    assert.ok(spool, "the source is being copied");
    controller.abort();
    await assert.rejects(call);
    await gone(spool);
    source.res.destroy();
    assert.deepEqual(h.sandbox.aioz.requests, [], "nothing was created at AIOZ");
  });

  it("deletes the temporary copy when the source breaks off, and says so", async () => {
    const call = h.call("aioz_upload_audio", {
      url: `${origin.url}/held/broken`,
      chunk_size_bytes: partSize,
      wait_s: 0,
    });
    const source = await heldSource("broken");
    const spool = (await spoolsOf(["broken"])).get("broken");
    assert.ok(spool, "the source is being copied");
    source.res.socket?.destroy();
    failed(await call, /url/);
    assert.deepEqual(await spoolsOf(["broken"]), new Map(), "the temporary copy is deleted");
    assert.deepEqual(h.sandbox.aioz.requests, [], "nothing was created at AIOZ");
  });
});
