import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, it } from "node:test";
import { ProviderClient } from "../src/client/provider-client.js";
import { videodb } from "../src/providers/videodb/index.js";
import { testBasePaths } from "./helpers/harness.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { failed, onlyRequest, routesOf, succeeded } from "./helpers/outcome.js";

const audio = "a-7d2e4b9f1c6a3058";
const md5 = (bytes: Buffer) => createHash("md5").update(bytes).digest("hex");

const h = inProcessForFile();

beforeEach(() => {
  h.sandbox.videodb.clearFaults();
});

const videodbPath = (route: string) => `${testBasePaths.videodb}${route}`;

describe("redirects to the same origin", () => {
  it("follows a 308 on GET with the same credentials and answers with the target's data", async () => {
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 308,
      body: "",
      headers: { location: `${h.sandbox.videodb.url}/video/?collection_id=default` },
    });
    const result = succeeded(await h.call("videodb_list_videos"));
    assert.equal((result.videos as unknown[]).length, 2);
    const requests = h.sandbox.videodb.requests;
    assert.deepEqual(routesOf(requests), [`GET ${videodbPath("/video/")}`, `GET ${videodbPath("/video/")}`]);
    for (const request of requests) {
      assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    }
  });

  it("resolves a relative Location against the request's URL", async () => {
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 301,
      body: "",
      headers: { location: `${videodbPath("/video/")}?collection_id=default` },
    });
    succeeded(await h.call("videodb_list_videos"));
    assert.equal(h.sandbox.videodb.requests.length, 2);
  });

  it("follows a 307 on POST with the same method, query and body", async () => {
    const route = `/audio/${audio}/generate_url`;
    h.sandbox.videodb.inject({
      route,
      status: 307,
      body: "",
      headers: { location: `${h.sandbox.videodb.url}${route}?collection_id=default` },
    });
    const result = succeeded(
      await h.call("videodb_generate_audio_url", { audio_id: audio, format: "wav", quality: "low" }),
    );
    assert.match(String(result.url), /low\.wav$/);
    const [first, second] = h.sandbox.videodb.requests;
    assert.equal(h.sandbox.videodb.requests.length, 2);
    for (const request of [first, second]) {
      assert.equal(request?.method, "POST");
      assert.deepEqual(request?.query, { collection_id: "default" });
      assert.deepEqual(request?.body, { format: "wav", quality: "low" });
      assert.equal(request?.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    }
  });

  it("refuses a 301, 302 or 303 on POST: it would become a GET without its body, so nothing is sent again", async () => {
    const route = `/audio/${audio}/generate_url`;
    for (const status of [301, 302, 303]) {
      h.clearRequests();
      h.sandbox.videodb.inject({
        route,
        status,
        body: "",
        headers: { location: `${h.sandbox.videodb.url}${route}?collection_id=default` },
      });
      failed(
        await h.call("videodb_generate_audio_url", { audio_id: audio }),
        /VideoDB/,
        new RegExp(`HTTP ${status}`),
        /POST into a GET/,
        /not sent again/,
        /base URL/,
      );
      onlyRequest(h.sandbox.videodb.requests);
    }
  });

  it("gives up after 3 redirects in a row, saying so", async () => {
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 308,
      body: "",
      headers: { location: `${h.sandbox.videodb.url}/video/?collection_id=default` },
      times: 10,
    });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /308/, /more than 3 redirects in a row/);
    assert.equal(h.sandbox.videodb.requests.length, 4, "the request and 3 redirects followed");
  });

  it("never follows a 307 to another origin, so the key is never sent there", async () => {
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 307,
      body: "",
      headers: { location: `${h.sandbox.aioz.url}/media` },
    });
    failed(await h.call("videodb_list_videos"), /VideoDB/, /307/, /another origin/, /not followed/);
    assert.equal(h.sandbox.aioz.requests.length, 0);
    onlyRequest(h.sandbox.videodb.requests);
  });

  it("the VideoDB emulator redirects a collection route without its slash (308, query kept), and the client follows it", async () => {
    const plain = await fetch(`${h.sandbox.videodb.url}/video?collection_id=default`, {
      redirect: "manual",
      headers: { "x-access-token": h.sandbox.credentials.videodbApiKey },
    });
    assert.equal(plain.status, 308);
    assert.equal(plain.headers.get("location"), `${h.sandbox.videodb.url}/video/?collection_id=default`);
    await plain.body?.cancel();
    h.clearRequests();

    // The path the official clients send (video-db/videodb-python `videodb/collection.py`: `video`).
    const config = videodb.configFromEnv(h.sandbox.env());
    assert.ok(config);
    const client = new ProviderClient(videodb, config);
    const data = (await client.send({
      method: "GET",
      path: "/video",
      query: { collection_id: "default" },
    })) as {
      videos: unknown[];
    };
    assert.equal(data.videos.length, 2);
    assert.deepEqual(routesOf(h.sandbox.videodb.requests), [
      `GET ${videodbPath("/video")}`,
      `GET ${videodbPath("/video/")}`,
    ]);
    assert.deepEqual(h.sandbox.videodb.requests[1]?.query, { collection_id: "default" });
  });
});

describe("redirects of POST bodies and upload parts", () => {
  beforeEach(() => {
    h.sandbox.aioz.clearFaults();
    h.clearRequests();
  });

  it("follows a 308 on POST to the same origin with the same method, query and body", async () => {
    const route = `/audio/${audio}/generate_url`;
    h.sandbox.videodb.inject({
      route,
      status: 308,
      body: "",
      headers: { location: `${h.sandbox.videodb.url}${route}?collection_id=default` },
    });
    const result = succeeded(
      await h.call("videodb_generate_audio_url", { audio_id: audio, format: "flac", quality: "medium" }),
    );
    assert.match(String(result.url), /medium\.flac$/);
    const requests = h.sandbox.videodb.requests;
    assert.deepEqual(routesOf(requests), [`POST ${videodbPath(route)}`, `POST ${videodbPath(route)}`]);
    for (const request of requests) {
      assert.deepEqual(request.query, { collection_id: "default" });
      assert.deepEqual(request.body, { format: "flac", quality: "medium" });
      assert.equal(request.headers["x-access-token"], h.sandbox.credentials.videodbApiKey);
    }
  });

  it("follows the emulator's own 308 for a POST route without its slash, sending the body again", async () => {
    const config = videodb.configFromEnv(h.sandbox.env());
    assert.ok(config);
    const client = new ProviderClient(videodb, config);
    const video = "m-c3e8a61b4f0d9725";
    const body = { length: 48.5, timeline: [[0, 5]] };
    const data = (await client.send({ method: "POST", path: `/video/${video}/stream`, json: body })) as {
      stream_url: string;
    };
    assert.match(data.stream_url, /\.m3u8$/);
    const [first, second, ...rest] = h.sandbox.videodb.requests;
    assert.equal(rest.length, 0);
    assert.equal(first?.route, `/video/${video}/stream`);
    assert.equal(second?.route, `/video/${video}/stream/`);
    assert.deepEqual(first?.body, body);
    assert.deepEqual(second?.body, body);
  });

  it("a redirected upload part is sent again from its own first byte: both hops carry the same MD5, size and Content-Range", async () => {
    const partSize = 4096;
    const bytes = randomBytes(2 * partSize + 100);
    const file = path.join(h.filesDir, "redirected-part.mp3");
    await writeFile(file, bytes);
    const partRoute = /^\/media\/[^/]+\/part$/;
    // The first part passes; the second is redirected to its own URL (a relative Location), once.
    h.sandbox.aioz.inject({ method: "POST", route: partRoute, delayMs: 0 });
    h.sandbox.aioz.inject({
      method: "POST",
      route: partRoute,
      status: 308,
      body: "",
      headers: { location: "part" },
    });
    succeeded(await h.call("aioz_upload_audio", { file_path: file, chunk_size_bytes: partSize, wait_s: 0 }));
    const parts = h.sandbox.aioz.requests
      .filter((request) => request.method === "POST" && partRoute.test(request.route))
      .map((request) => {
        const form = request.body as { fields: Record<string, string>; file: { size: number; md5: string } };
        return {
          index: form.fields.index,
          hash: form.fields.hash,
          md5: form.file.md5,
          size: form.file.size,
          range: request.headers["content-range"],
        };
      });
    const second = bytes.subarray(partSize, 2 * partSize);
    const expected = {
      index: "2",
      hash: md5(second),
      md5: md5(second),
      size: partSize,
      range: `bytes ${partSize}-${2 * partSize - 1}/${bytes.length}`,
    };
    assert.deepEqual(
      parts.map((part) => part.index),
      ["1", "2", "2", "3"],
    );
    assert.deepEqual(parts[1], expected, "the hop that was redirected");
    assert.deepEqual(parts[2], expected, "the hop that followed the redirect");
    const audioId = h.sandbox.aioz.requests.find((request) => request.route.endsWith("/complete"))?.route;
    assert.ok(audioId, "the upload completed");
    const source = await fetch(`${h.sandbox.aioz.url}${audioId.replace(/\/complete$/, "/source")}`);
    assert.ok(Buffer.from(await source.arrayBuffer()).equals(bytes), "the assembled file is the original");
  });
});
