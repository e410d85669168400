/**
 * VideoDB's official Node SDK (`videodb` on npm, a devDependency) driven against the sandbox's VideoDB
 * emulator as a user of the SDK would drive the live service: the emulator must answer every request the
 * SDK makes, in the form the SDK reads. Nothing of the SDK or the emulator is stubbed.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { connect, InvalidRequestError } from "videodb";
import { SANDBOX_SEED, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { testBasePaths } from "./helpers/harness.js";

let sandbox: Sandbox;

before(async () => {
  // jobDurationMs 0: a generation is due at once, so the SDK's first poll of output_url finds it done.
  // The one test of a running job holds it instead (holdJobs) and pays one of the SDK's 5 s polling waits.
  sandbox = await startSandbox({ basePaths: testBasePaths, jobDurationMs: 0 });
});

after(async () => {
  await sandbox?.close();
});

beforeEach(() => {
  sandbox.videodb.clearRequests();
  sandbox.videodb.holdJobs = false;
});

const conn = () => connect(sandbox.credentials.videodbApiKey, sandbox.videodb.url);
const routes = () => sandbox.videodb.requests.map((request) => `${request.method} ${request.route}`);

/** Resolves once the emulator has recorded a request matching `match`; the wait is on the request log. */
async function untilRequest(match: (route: string) => boolean): Promise<void> {
  while (!routes().some(match)) await new Promise((resolve) => setImmediate(resolve));
}

describe("the official VideoDB Node SDK against the sandbox", () => {
  it("conn.getCollection() reads the default collection from GET /collection/default", async () => {
    const collection = await conn().getCollection();
    assert.equal(collection.id, "default");
    assert.equal(typeof collection.name, "string");
    assert.ok(collection.name);
    assert.equal(collection.isPublic, false);
    assert.deepEqual(routes(), ["GET /collection/default"]);
    assert.equal(sandbox.videodb.requests[0]?.headers["x-access-token"], sandbox.credentials.videodbApiKey);
  });

  it("conn.getCollection() of a collection that does not exist fails with the SDK's InvalidRequestError", async () => {
    await assert.rejects(conn().getCollection("c-missing"), InvalidRequestError);
  });

  it("collection.getVideos() and getAudios() list the seeded media with their ids, lengths and stream URLs", async () => {
    const collection = await conn().getCollection();
    const videos = await collection.getVideos();
    assert.deepEqual(
      videos.map((video) => video.id),
      [...SANDBOX_SEED.videodb.videoIds],
    );
    for (const video of videos) {
      assert.equal(video.collectionId, "default");
      assert.ok(Number(video.length) > 0);
      assert.match(String(video.streamUrl), /\.m3u8$/);
    }
    const audios = await collection.getAudios();
    assert.deepEqual(
      audios.map((audio) => audio.id),
      [...SANDBOX_SEED.videodb.audioIds],
    );
  });

  it("video.generateStream(timeline) gives an HLS playlist that plays the timeline's length", async () => {
    const collection = await conn().getCollection();
    const video = await collection.getVideo(SANDBOX_SEED.videodb.videoIds[1]);
    const streamUrl = await video.generateStream([
      [0, 10],
      [20, 25],
    ]);
    assert.match(streamUrl, /\.m3u8$/);
    // The SDK posts to video/{id}/stream, is redirected to the listed route and sends its body again.
    const posts = sandbox.videodb.requests.filter((request) => request.method === "POST");
    assert.deepEqual(
      posts.map((request) => request.route),
      [`/video/${video.id}/stream`, `/video/${video.id}/stream/`],
    );
    assert.deepEqual(posts[1]?.body, {
      length: 48.5,
      timeline: [
        [0, 10],
        [20, 25],
      ],
    });
    const playlist = await (await fetch(streamUrl)).text();
    const seconds = [...playlist.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.equal(Math.round(seconds), 15);
  });

  it("audio.generateUrl() returns data.signed_url, and the URL serves audio", async () => {
    const collection = await conn().getCollection();
    const audio = await collection.getAudio(SANDBOX_SEED.videodb.audioIds[0]);
    const url = await audio.generateUrl();
    assert.ok(url, "the SDK reads data.signed_url and found it");
    const answer = await fetch(url);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-type"), "audio/mpeg");
    const request = sandbox.videodb.requests.find((each) => each.method === "POST");
    assert.equal(request?.route, `/audio/${audio.id}/generate_url`);
    assert.deepEqual(request?.query, { collection_id: "default" });
  });

  it("collection.generateVideo() polls output_url until the video is done and returns it", async () => {
    const collection = await conn().getCollection();
    const video = await collection.generateVideo("A lighthouse at dusk", 6);
    assert.ok(video, "without a callback the SDK waits for the video");
    assert.match(video.id, /^m-/);
    assert.equal(video.length, 6);
    assert.match(String(video.streamUrl), /\.m3u8$/);
    assert.ok((await collection.getVideos()).some((listed) => listed.id === video.id));
  });

  it("collection.generateVideo() keeps polling while the job answers processing, as the live service's running job", async () => {
    sandbox.videodb.holdJobs = true;
    const collection = await conn().getCollection();
    const generated = collection.generateVideo("A slow sunrise");
    // Released once the SDK has seen the running job; its next poll, 5 s later, finds it done.
    await untilRequest((route) => route.startsWith("GET /async-response/"));
    sandbox.videodb.holdJobs = false;
    const video = await generated;
    assert.match(String(video?.id), /^m-/);
    const polls = routes().filter((route) => route.startsWith("GET /async-response/"));
    assert.equal(polls.length, 2, "one poll saw the job running, the next saw it done");
  });

  it("collection.generateVideo() with a callback returns at once, without polling", async () => {
    const collection = await conn().getCollection();
    const answer = await collection.generateVideo("Called back", 5, "http://127.0.0.1:1/hook");
    // SDK 0.2.0 wraps the answer's data ({output_url}) in a Video that has no id yet.
    assert.equal(answer?.id, undefined);
    assert.ok(!routes().some((route) => route.startsWith("GET /async-response/")));
  });
});
