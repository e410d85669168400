/**
 * The AIOZ Stream official clients' own example requests and answers (test/fixtures/official/aioz/, each
 * naming its repository, commit and path), replayed through the tools against the sandbox: what the
 * emulator recorded must be the official form, and the official answers must read as the tools promise.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { FormData as UndiciFormData, fetch as undiciFetch } from "undici";
import { AIOZ_SEED } from "../src/sandbox/aioz.js";
import type { RecordedRequest } from "../src/sandbox/index.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { failed, onlyRequest, succeeded } from "./helpers/outcome.js";
import { assertShapeCovers, type CoverOptions, shape } from "./helpers/shape.js";

const fixtureDir = path.join(import.meta.dirname, "fixtures/official/aioz");
// biome-ignore lint/suspicious/noExplicitAny: fixtures are JSON read as they are
const fixture = (name: string): any => JSON.parse(readFileSync(path.join(fixtureDir, name), "utf8"));
const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");

const h = inProcessForFile({ sandbox: { jobDurationMs: 100 } });
beforeEach(() => {
  h.sandbox.aioz.clearFaults();
});

async function newAudio(title: string): Promise<string> {
  const created = succeeded(await h.call("aioz_create_audio", { title }));
  h.sandbox.aioz.clearRequests();
  return String((created.audio as { id: string }).id);
}

const partRequests = (requests: readonly RecordedRequest[]) =>
  requests.filter((r) => r.method === "POST" && r.route.endsWith("/part"));

describe("AIOZ requests in the official clients' form", () => {
  it("aioz_list_audio sends the OpenAPI GetMediaListRequest form: status a list of strings, metadata a list of {key, value}", async () => {
    const official = fixture("list-request.openapi.json");
    const outcome = await h.call("aioz_list_audio", {
      offset: 6,
      limit: 10,
      order_by: "desc",
      sort_by: "title",
      search: "welcome",
      status: ["done", "new"],
      tags: ["sandbox", "sample"],
      metadata: { genre: "podcast", mood: "calm" },
    });
    succeeded(outcome);
    const body = onlyRequest(h.sandbox.aioz.requests).body as Record<string, unknown>;
    assert.deepEqual(shape(body), shape(official.request));
    assert.deepEqual(body.status, ["done", "new"]);
    assert.deepEqual(body.metadata, [
      { key: "genre", value: "podcast" },
      { key: "mood", value: "calm" },
    ]);
  });

  it("aioz_list_audio sends the Node client test's list request as it is, with type audio", async () => {
    const official = fixture("list-request.nodejs-test.json");
    succeeded(await h.call("aioz_list_audio", official.request));
    assert.deepEqual(onlyRequest(h.sandbox.aioz.requests).body, { type: "audio", ...official.request });
  });

  it("aioz_create_audio sends the Node client test's complete create request as it is, with type audio", async () => {
    const official = fixture("create-request.nodejs-test.json");
    const result = succeeded(await h.call("aioz_create_audio", official.request));
    assert.deepEqual(onlyRequest(h.sandbox.aioz.requests).body, { type: "audio", ...official.request });
    const audio = result.audio as Record<string, unknown>;
    assert.deepEqual(audio.metadata, official.request.metadata);
    assert.deepEqual(audio.tags, official.request.tags);
  });

  it("aioz_update_audio sends exactly the OpenAPI UpdateMediaInfoRequest example, the player as player_id", async () => {
    const official = fixture("update-request.openapi.json");
    const id = await newAudio("Update me");
    const { player_id, ...rest } = official.request;
    succeeded(await h.call("aioz_update_audio", { audio_id: id, ...rest, player_theme_id: player_id }));
    assert.deepEqual(onlyRequest(h.sandbox.aioz.requests).body, official.request);
    const audio = succeeded(await h.call("aioz_get_audio", { audio_id: id })).audio as Record<
      string,
      unknown
    >;
    assert.equal(audio.player_theme_id, player_id, "the media object answers it as player_theme_id");
    assert.equal(audio.title, official.request.title);
  });

  it("aioz_update_audio sends the Node client test's update request as it is", async () => {
    const official = fixture("update-request.nodejs-test.json");
    const id = await newAudio("Update me too");
    succeeded(await h.call("aioz_update_audio", { audio_id: id, ...official.request }));
    assert.deepEqual(onlyRequest(h.sandbox.aioz.requests).body, official.request);
  });

  it("a single-part upload sends index 1, the fields file, hash, index in the Go client's order, and its Content-Range", async () => {
    const go = fixture("upload-part.go-client.json");
    const node = fixture("upload-part.nodejs-client.json");
    assert.equal(go.singlePartIndex, node.singlePartIndex, "both clients number a single part alike");
    const bytes = randomBytes(10_000);
    const file = path.join(h.filesDir, "single.mp3");
    await writeFile(file, bytes);
    succeeded(await h.call("aioz_upload_audio", { file_path: file, wait_s: 0 }));
    const [part, ...others] = partRequests(h.sandbox.aioz.requests);
    assert.equal(others.length, 0);
    const body = part?.body as { fields: Record<string, string>; order: string[]; file: { md5: string } };
    assert.deepEqual(body.order, go.fieldOrder);
    assert.equal(body.fields.index, go.singlePartIndex);
    assert.equal(body.fields.hash, md5(bytes));
    assert.equal(body.file.md5, md5(bytes));
    const range = String(go.contentRange)
      .replace("{start}", "0")
      .replace("{end}", String(bytes.length - 1))
      .replace("{total}", String(bytes.length));
    assert.equal(part?.headers["content-range"], range);
  });

  it("a multi-part upload numbers its parts from 1 as both clients do, each with its own range", async () => {
    const go = fixture("upload-part.go-client.json");
    const node = fixture("upload-part.nodejs-client.json");
    const partSize = 4096;
    const bytes = randomBytes(3 * partSize - 5);
    const file = path.join(h.filesDir, "three.mp3");
    await writeFile(file, bytes);
    succeeded(await h.call("aioz_upload_audio", { file_path: file, chunk_size_bytes: partSize, wait_s: 0 }));
    const parts = partRequests(h.sandbox.aioz.requests).map((r) => ({
      index: (r.body as { fields: Record<string, string> }).fields.index,
      order: (r.body as { order: string[] }).order,
      range: r.headers["content-range"],
    }));
    assert.equal(parts[0]?.index, go.firstPartIndex);
    assert.equal(parts[0]?.index, node.firstPartIndex);
    assert.deepEqual(parts, [
      { index: "1", order: go.fieldOrder, range: `bytes 0-4095/${bytes.length}` },
      { index: "2", order: go.fieldOrder, range: `bytes 4096-8191/${bytes.length}` },
      { index: "3", order: go.fieldOrder, range: `bytes 8192-${bytes.length - 1}/${bytes.length}` },
    ]);
  });
});

describe("AIOZ answers in the official form", () => {
  it("aioz_list_audio reads the OpenAPI GetMediaListResponse example (data.media)", async () => {
    const official = fixture("list-response.openapi.json");
    h.sandbox.aioz.inject({
      method: "POST",
      route: "/media",
      status: 200,
      body: JSON.stringify(official.response),
    });
    const result = succeeded(await h.call("aioz_list_audio", {}));
    const media = official.response.data.media as Array<Record<string, unknown>>;
    const audios = result.audios as Array<Record<string, unknown>>;
    assert.equal(audios.length, media.length);
    assert.equal(result.total, official.response.data.total);
    const [audio] = audios;
    const first = media[0] as Record<string, unknown>;
    assert.equal(audio?.id, first.id);
    assert.equal(audio?.hls_url, (first.assets as Record<string, string>).hls_url);
    assert.equal(audio?.player_theme_id, first.player_theme_id);
    assert.deepEqual(audio?.metadata, first.metadata);
  });

  it("aioz_get_audio reads the OpenAPI GetMediaDetailResponse example", async () => {
    const official = fixture("detail-response.openapi.json");
    const data = official.response.data as Record<string, unknown>;
    h.sandbox.aioz.inject({
      method: "GET",
      route: /^\/media\/[^/]+$/,
      status: 200,
      body: JSON.stringify(official.response),
    });
    const result = succeeded(await h.call("aioz_get_audio", { audio_id: "id" }));
    const audio = result.audio as Record<string, unknown>;
    const assets = data.assets as Record<string, string>;
    assert.equal(audio.id, data.id);
    assert.equal(audio.title, data.title);
    assert.equal(audio.dash_url, assets.dash_url);
    assert.equal(audio.hls_player_url, assets.hls_player_url);
    assert.deepEqual(audio.tags, data.tags);
  });
});

describe("the limits the official clients' tests expect", () => {
  const { cases } = fixture("limits.clients-tests.json") as {
    cases: Array<{ name: string; operation: string; field: string; length: number; limit: number }>;
  };
  for (const item of cases) {
    it(`${item.name}: ${item.field} of ${item.length} characters is refused before any request`, async () => {
      const long = "a".repeat(item.length);
      const fields =
        item.field === "metadata.key"
          ? { metadata: [{ key: long, value: "value" }] }
          : { [item.field]: long };
      const outcome =
        item.operation === "create"
          ? await h.call("aioz_create_audio", { title: "Test Video", ...fields })
          : await h.call("aioz_update_audio", { audio_id: "some-audio", ...fields });
      failed(
        outcome,
        new RegExp(item.field === "metadata.key" ? "metadata\\[0\\]\\.key" : item.field),
        new RegExp(`at most ${item.limit} characters`),
      );
      assert.deepEqual(h.sandbox.aioz.requests, []);
      // One character less is what the service takes.
      const within =
        item.field === "metadata.key"
          ? { metadata: [{ key: long.slice(1), value: "value" }] }
          : { [item.field]: long.slice(1) };
      const audio = item.operation === "update" ? await newAudio("Within the limit") : undefined;
      succeeded(
        audio
          ? await h.call("aioz_update_audio", { audio_id: audio, ...within })
          : await h.call("aioz_create_audio", { title: "Test Video", ...within }),
      );
    });
  }
});

describe("the Node client's uploadVideo, as it sends its parts", () => {
  // AIOZNetwork/aioz-stream-nodejs-client `src/index.ts` `uploadVideo` (commit 8b2cd8b) sends up to five
  // parts at once, each a form of file, index, hash with its Content-Range, authenticated with HTTP Basic
  // plus the two key headers (`src/HttpClient.ts`). The client is not on npm (@aiozstream/nodejs-client
  // answers 404), so its requests are sent here with undici in that form, the last part first.
  it("parts sent concurrently with the smaller last part first are assembled in byte order", async () => {
    const id = await newAudio("Concurrent parts");
    const { aiozPublicKey, aiozSecretKey } = h.sandbox.credentials;
    const headers = {
      authorization: `Basic ${Buffer.from(`${aiozPublicKey}:${aiozSecretKey}`).toString("base64")}`,
      "stream-public-key": aiozPublicKey,
      "stream-secret-key": aiozSecretKey,
    };
    const chunkSize = 4096;
    const bytes = randomBytes(4 * chunkSize - 1000);
    const sendPart = async (chunkNumber: number) => {
      const start = chunkNumber * chunkSize;
      const end = Math.min(start + chunkSize - 1, bytes.length - 1);
      const part = bytes.subarray(start, end + 1);
      const form = new UndiciFormData();
      form.append("file", new Blob([part]), "concurrent.mp3");
      form.append("index", String(chunkNumber + 1));
      form.append("hash", md5(part));
      const answer = await undiciFetch(`${h.sandbox.aioz.url}/media/${id}/part`, {
        method: "POST",
        body: form,
        headers: { ...headers, "content-range": `bytes ${start}-${end}/${bytes.length}` },
      });
      assert.equal(answer.status, 200, await answer.text());
    };
    await sendPart(3);
    await Promise.all([2, 0, 1].map(sendPart));
    const completed = await undiciFetch(`${h.sandbox.aioz.url}/media/${id}/complete`, { headers });
    assert.equal(completed.status, 200, await completed.text());

    const indexes = partRequests(h.sandbox.aioz.requests).map(
      (r) => (r.body as { fields: Record<string, string> }).fields.index,
    );
    assert.equal(indexes[0], "4", "the last part arrived first");
    assert.deepEqual([...indexes].sort(), ["1", "2", "3", "4"]);
    const source = await undiciFetch(`${h.sandbox.aioz.url}/media/${id}/source`);
    assert.ok(Buffer.from(await source.arrayBuffer()).equals(bytes));
  });
});

describe("the AIOZ emulator answers each example's request in the example's shape", () => {
  const asAioz: CoverOptions = {
    nullForStructures: true,
    mayOmit: {
      "data.assets.mp4_url": "an audio has no MP4 rendition (is_mp4 false)",
      "data.media[].assets.mp4_url": "an audio has no MP4 rendition (is_mp4 false)",
      "data.qualities[].video_codec": "an audio quality has no video stream",
      "data.qualities[].video_bitrate": "an audio quality has no video stream",
      "data.media[].qualities[].video_codec": "an audio quality has no video stream",
      "data.media[].qualities[].video_bitrate": "an audio quality has no video stream",
    },
  };
  const send = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const answer = await fetch(`${h.sandbox.aioz.url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${h.sandbox.credentials.aiozToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(answer.ok, `${method} ${route}: ${answer.status}`);
    return answer.json();
  };

  it("POST /media with the Node client test's list request: the OpenAPI GetMediaListResponse (data.media)", async () => {
    const answer = await send("POST", "/media", fixture("list-request.nodejs-test.json").request);
    assertShapeCovers(answer, fixture("list-response.openapi.json").response, asAioz);
  });

  it("GET /media/{id}: the OpenAPI GetMediaDetailResponse", async () => {
    const answer = await send("GET", `/media/${AIOZ_SEED.audioId}`);
    assertShapeCovers(answer, fixture("detail-response.openapi.json").response, asAioz);
  });

  it("POST /media/create with the Node client test's create request: the media, as in GetMediaDetailResponse", async () => {
    const request = fixture("create-request.nodejs-test.json").request;
    const answer = await send("POST", "/media/create", { type: "audio", ...request });
    assertShapeCovers(answer, fixture("detail-response.openapi.json").response, asAioz);
  });

  it("PATCH /media/{id} with the OpenAPI UpdateMediaInfoRequest example: the OpenAPI ResponseSuccess", async () => {
    const id = await newAudio("Shape of an update");
    const answer = await send("PATCH", `/media/${id}`, fixture("update-request.openapi.json").request);
    assertShapeCovers(answer, fixture("response-success.openapi.json").response, asAioz);
  });
});
