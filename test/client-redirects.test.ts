import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import { ProviderClient } from "../src/client/provider-client.js";
import { videodb } from "../src/providers/videodb/index.js";
import { testBasePaths } from "./helpers/harness.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { failed, onlyRequest, routesOf, succeeded } from "./helpers/outcome.js";

const audio = "a-7d2e4b9f1c6a3058";

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
