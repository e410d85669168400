import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { build } from "esbuild";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { MEDIA_META_KEY, PLAYER_URI } from "../src/player/meta.js";
import { patternMp4, renderTones, textTones, wavFile } from "../src/sandbox/media.js";
import { gradientPng } from "../src/sandbox/videodb-media.js";
import { launchChromium } from "./helpers/browser.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const artifacts = path.resolve(import.meta.dirname, "../test-artifacts/player");
/** The view gets an origin of its own, as hosts give it (a per-conversation sandbox domain). */
const VIEW_HOST = "mediagate-view.test";

interface Csp {
  connectDomains?: string[];
  resourceDomains?: string[];
}

/** The policy a host following the MCP Apps spec sets on the view's frame: no blob:, only declared origins. */
function hostPolicy(csp: Csp, extraMedia = ""): string {
  const resources = (csp.resourceDomains ?? []).join(" ");
  const connect = (csp.connectDomains ?? []).join(" ");
  return [
    "default-src 'none'",
    `script-src 'self' 'unsafe-inline' ${resources}`,
    `style-src 'self' 'unsafe-inline' ${resources}`,
    `img-src 'self' data: ${resources}`,
    `font-src 'self' ${resources}`,
    `media-src 'self' data: ${extraMedia} ${resources}`,
    `connect-src 'self' ${connect}`,
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'self'",
  ].join("; ");
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("the player in a real browser", { concurrency: false }, () => {
  let h: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let csp: Csp;
  let hostServer: Server;
  let viewServer: Server;
  let hostOrigin: string;
  let viewOrigin: string;
  let tools: Tool[];

  before(async () => {
    // Running jobs are held (holdJobs) while a test looks at them; 6 s gives a bar that moves between polls.
    h = await startHarness({ sandbox: { jobDurationMs: 6000 } });
    tools = (await h.client.listTools()).tools;
    const { contents } = await h.client.readResource({ uri: PLAYER_URI });
    const page = contents[0] as unknown as { text: string; _meta: { ui: { csp: Csp } } };
    csp = page._meta.ui.csp;
    const hostScript = await build({
      entryPoints: [path.join(import.meta.dirname, "fixtures/player-host/host.ts")],
      bundle: true,
      format: "iife",
      platform: "browser",
      write: false,
      logLevel: "warning",
    });
    const hostJs = hostScript.outputFiles[0]?.text ?? "";
    viewServer = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://view");
      // ?policy=none: a host that approved none of the declared origins; ?policy=blob: one that allows MSE.
      const policy = url.searchParams.get("policy");
      // ?policy=connect-only: origins declared for fetch alone, with blob: media, as ext-apps' reference host.
      const header =
        policy === "none"
          ? hostPolicy({})
          : policy === "connect-only"
            ? hostPolicy({ connectDomains: csp.connectDomains ?? [] }, "blob:")
            : hostPolicy(csp, policy === "blob" ? "blob:" : "");
      response.writeHead(200, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": header,
      });
      response.end(page.text);
    });
    const viewPort = await listen(viewServer);
    viewOrigin = `http://${VIEW_HOST}:${viewPort}`;
    hostServer = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(`<!doctype html><html><body style="margin:0;background:#f3f4f6">
<script>${hostJs}</script></body></html>`);
    });
    hostOrigin = `http://127.0.0.1:${await listen(hostServer)}`;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 560, height: 420 } });
    await mkdir(artifacts, { recursive: true });
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    hostServer?.close();
    viewServer?.close();
    await h?.close();
  });

  /** A host page with the view loaded and connected; `noNativeHls` plays a browser without HLS of its own. */
  async function openHost(
    options: { noNativeHls?: boolean; policy?: "none" | "blob" | "connect-only" } = {},
  ) {
    const page = await context.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    if (process.env.DEBUG_PLAYER) page.on("console", (m) => console.log("console:", m.text()));
    if (process.env.DEBUG_PLAYER) page.on("pageerror", (e) => console.log("pageerror:", e.message));
    await page.exposeFunction(
      "hostCallTool",
      (params: { name: string; arguments?: Record<string, unknown> }) => h.client.callTool(params),
    );
    if (options.noNativeHls) {
      await page.addInitScript(() => {
        const original = HTMLMediaElement.prototype.canPlayType;
        HTMLMediaElement.prototype.canPlayType = function (type: string) {
          return /mpegurl/i.test(type) ? "" : original.call(this, type);
        };
      });
    }
    await page.goto(`${hostOrigin}/`);
    const src = `${viewOrigin}/view${options.policy ? `?policy=${options.policy}` : ""}`;
    await page.evaluate((url) => window.host.start(url), src);
    const frame = page.frames().find((candidate) => candidate.url().startsWith(viewOrigin));
    assert.ok(frame, "the view's frame is loaded");
    return { page, frame, requested };
  }

  /** What a host does with a tool call's outcome: tells the view which tool (as listed), its input, its result. */
  async function show(
    page: Page,
    tool: string | Tool,
    input: Record<string, unknown>,
    result: CallToolResult,
  ) {
    const listed = typeof tool === "string" ? tools.find((candidate) => candidate.name === tool) : tool;
    assert.ok(listed, `${String(tool)} is listed`);
    await page.evaluate(([t, i, r]) => window.host.show(t, i, r), [listed, input, result] as const);
  }

  async function callTool(name: string, args: Record<string, unknown>) {
    const outcome = await h.call(name, args);
    assert.equal(outcome.isError, false, outcome.text);
    return outcome.result;
  }

  /** Starts playback as a user pressing play would, and waits until the media has played past `seconds`. */
  async function playsPast(frame: Frame, selector: string, seconds: number) {
    await frame.waitForFunction(() => ["ready", "fallback"].includes(document.body.dataset.state ?? ""));
    await frame.evaluate((s) => (document.querySelector(s) as HTMLMediaElement).play(), selector);
    await frame.waitForFunction(
      ([s, t]) =>
        ((document.querySelector(s as string) as HTMLMediaElement | null)?.currentTime ?? 0) > Number(t),
      [selector, seconds] as const,
    );
  }

  const mediaInfo = (frame: Frame, selector: string) =>
    frame.evaluate((s) => {
      const element = document.querySelector(s) as HTMLMediaElement;
      return {
        state: document.body.dataset.state,
        how: element.dataset.how,
        source: element.dataset.source,
        duration: element.duration,
        title: document.getElementById("title")?.textContent,
        meta: document.getElementById("meta")?.textContent,
      };
    }, selector);

  test("a VideoDB HLS stream plays: the video's currentTime advances", async () => {
    const input = { video_id: "m-5a1f0c9e3b7d2468" };
    const { page, frame } = await openHost();
    await show(page, "videodb_generate_stream", input, await callTool("videodb_generate_stream", input));
    await playsPast(frame, "video", 1);
    const info = await mediaInfo(frame, "video");
    assert.equal(info.state, "ready");
    assert.equal(info.how, "hls-native");
    assert.ok(Math.abs(info.duration - 123.4) < 0.6, `duration ${info.duration}`);
    assert.match(info.meta ?? "", /VideoDB/);
    await page.screenshot({ path: path.join(artifacts, "video-stream.png") });
    await page.close();
  });

  test("a timeline stream plays for the timeline's length", async () => {
    const input = {
      video_id: "m-c3e8a61b4f0d9725",
      timeline: [
        [2, 5],
        [10, 12],
      ],
    };
    const { page, frame } = await openHost();
    await show(page, "videodb_generate_stream", input, await callTool("videodb_generate_stream", input));
    await playsPast(frame, "video", 1);
    const info = await mediaInfo(frame, "video");
    assert.ok(Math.abs(info.duration - 5) < 0.6, `duration ${info.duration}`);
    await page.close();
  });

  test("where the host allows blob: media, hls.js plays the stream in a browser without native HLS", async () => {
    const input = { video_id: "m-5a1f0c9e3b7d2468", timeline: [[0, 6]] };
    const { page, frame } = await openHost({ noNativeHls: true, policy: "blob" });
    await show(page, "videodb_generate_stream", input, await callTool("videodb_generate_stream", input));
    await playsPast(frame, "video", 1);
    const info = await mediaInfo(frame, "video");
    assert.equal(info.how, "hls.js");
    assert.equal(info.state, "ready");
    await page.close();
  });

  test("a blocked stream falls back to the progressive variant (VideoDB format mp4)", async () => {
    const input = { video_id: "m-5a1f0c9e3b7d2468", timeline: [[0, 6]] };
    const { page, frame } = await openHost({ noNativeHls: true });
    await show(page, "videodb_generate_stream", input, await callTool("videodb_generate_stream", input));
    await playsPast(frame, "video", 1);
    const info = await mediaInfo(frame, "video");
    assert.equal(info.state, "fallback");
    assert.equal(info.how, "progressive");
    assert.match(info.source ?? "", /\.mp4$/);
    assert.deepEqual(await page.evaluate(() => window.host.calledTools), ["videodb_generate_stream"]);
    await page.screenshot({ path: path.join(artifacts, "fallback-progressive.png") });
    await page.close();
  });

  test("when nothing may play, it says so and offers the link, which the host opens", async () => {
    const input = { video_id: "m-5a1f0c9e3b7d2468" };
    const result = await callTool("videodb_generate_stream", input);
    const { page, frame } = await openHost({ noNativeHls: true, policy: "none" });
    await show(page, "videodb_generate_stream", input, result);
    await frame.waitForFunction(() => document.body.dataset.state === "link");
    assert.match((await frame.textContent("#stage")) ?? "", /cannot play here/);
    await frame.click("#stage a");
    await page.waitForFunction(() => window.host.openedLinks.length === 1);
    const playerUrl = (result.structuredContent as { player_url: string }).player_url;
    assert.deepEqual(await page.evaluate(() => window.host.openedLinks), [playerUrl]);
    await page.screenshot({ path: path.join(artifacts, "fallback-link.png") });
    await page.close();
  });

  /** The sandbox's own AIOZ sample, by its title: tests may add audios before it. */
  async function aiozSample(): Promise<string> {
    const list = await callTool("aioz_list_audio", { search: "welcome" });
    const audios = (list.structuredContent as { audios: Array<{ id: string; title: string }> }).audios;
    const sample = audios.find((audio) => audio.title === "Sandbox sample: welcome");
    assert.ok(sample, "the sandbox has its AIOZ sample");
    return sample.id;
  }

  test("an AIOZ audio plays", async () => {
    const { page, frame } = await openHost();
    const input = { audio_id: await aiozSample() };
    await show(page, "aioz_get_audio", input, await callTool("aioz_get_audio", input));
    await playsPast(frame, "audio", 0.5);
    const info = await mediaInfo(frame, "audio");
    assert.match(info.meta ?? "", /AIOZ Stream/);
    assert.equal(info.title, "Sandbox sample: welcome");
    // The sandbox's HLS segment is the uploaded WAV file as is, which no HLS player reads; its source plays.
    assert.match(info.source ?? "", /\/source$/);
    await page.screenshot({ path: path.join(artifacts, "aioz-audio.png") });
    await page.close();
  });

  test("an AIOZ upload's transcoding is followed until its audio plays", async () => {
    const samples = renderTones(textTones("An upload the player follows until it plays."), 16000);
    await writeFile(path.join(h.filesDir, "upload.wav"), wavFile(samples, 16000));
    const input = { file_path: "upload.wav", title: "Uploaded in the test", wait_s: 0 };
    h.sandbox.aioz.holdJobs = true;
    try {
      const result = await callTool("aioz_upload_audio", input);
      assert.equal((result.structuredContent as { job: { status: string } }).job.status, "processing");
      const { page, frame } = await openHost();
      await show(page, "aioz_upload_audio", input, result);
      await frame.waitForFunction(() => document.body.dataset.state === "progress");
      // Polled while held: still running, so the bar stays up; then the transcode may end.
      await page.waitForFunction(() => window.host.calledTools.includes("job_status"));
      assert.equal(await frame.evaluate(() => document.body.dataset.state), "progress");
      h.sandbox.aioz.holdJobs = false;
      await playsPast(frame, "audio", 0.5);
      const info = await mediaInfo(frame, "audio");
      assert.equal(info.title, "Uploaded in the test");
      assert.ok(Math.abs(info.duration - samples.length / 16000) < 0.05, `duration ${info.duration}`);
      const called = await page.evaluate(() => window.host.calledTools);
      assert.ok(called.includes("job_status") && called.at(-1) === "aioz_get_audio", called.join());
      await page.close();
    } finally {
      h.sandbox.aioz.holdJobs = false;
    }
  });

  test("AI Studios speech plays for the length the tool reports", async () => {
    const input = { language: "en", text: "Hello from the sandbox, this is a test.", model: "M000045058" };
    const result = await callTool("aistudios_export_audio", input);
    const { page, frame } = await openHost();
    await show(page, "aistudios_export_audio", input, result);
    await playsPast(frame, "audio", 0.5);
    const reported =
      (result.structuredContent as { meta: Array<{ duration: number }> }).meta[0]?.duration ?? 0;
    const info = await mediaInfo(frame, "audio");
    assert.ok(Math.abs(info.duration - reported) < 0.1, `${info.duration} vs ${reported}`);
    await page.close();
  });

  test("an AI Studios presenter video shows its progress while it renders, then plays as video", async () => {
    const input = {
      language: "en",
      text: "A presenter the player follows.",
      model: "M000045058",
      clothes: "BG00002320",
      wait_s: 0,
    };
    h.sandbox.aistudios.holdJobs = true;
    try {
      const result = await callTool("aistudios_generate_video", input);
      assert.equal((result.structuredContent as { job: { status: string } }).job.status, "processing");
      const { page, frame } = await openHost();
      await show(page, "aistudios_generate_video", input, result);
      await frame.waitForFunction(() => document.body.dataset.state === "progress");
      // Polled while held: still rendering, so the bar stays up; then the render may end.
      await page.waitForFunction(() => window.host.calledTools.includes("job_status"));
      assert.equal(await frame.evaluate(() => document.body.dataset.state), "progress");
      h.sandbox.aistudios.holdJobs = false;
      await playsPast(frame, "video", 0.5);
      const info = await mediaInfo(frame, "video");
      assert.match(info.meta ?? "", /AI Studios/);
      await page.screenshot({ path: path.join(artifacts, "aistudios-video.png") });
      await page.close();
    } finally {
      h.sandbox.aistudios.holdJobs = false;
    }
  });

  test("a list shows every video; picking one plays it", async () => {
    const { page, frame } = await openHost();
    const result = await callTool("videodb_list_videos", {});
    await show(page, "videodb_list_videos", {}, result);
    await frame.waitForFunction(() => document.body.dataset.state === "list");
    const videos = (result.structuredContent as { videos: unknown[] }).videos;
    assert.ok(videos.length > 0);
    assert.equal(await frame.locator("ul.list li").count(), videos.length);
    await page.screenshot({ path: path.join(artifacts, "video-list.png") });
    await frame.click("ul.list li:first-child button");
    await playsPast(frame, "video", 1);
    await page.screenshot({ path: path.join(artifacts, "video-picked.png") });
    await page.close();
  });

  test("a VideoDB audio picked from its list gets its URL from the server and plays", async () => {
    const { page, frame } = await openHost();
    await show(page, "videodb_list_audios", {}, await callTool("videodb_list_audios", {}));
    await frame.waitForFunction(() => document.body.dataset.state === "list");
    await frame.click('ul.list li button:has-text("Sandbox sample: jingle")');
    await playsPast(frame, "audio", 0.5);
    assert.deepEqual(await page.evaluate(() => window.host.calledTools), ["videodb_generate_audio_url"]);
    assert.equal((await mediaInfo(frame, "audio")).title, "Sandbox sample: jingle");
    await page.close();
  });

  test("a running job's bar moves, and the player appears when it finishes", async () => {
    const input = { prompt: "a lighthouse at dusk", duration: 5, wait_s: 0 };
    h.sandbox.videodb.holdJobs = true;
    try {
      const result = await callTool("videodb_generate_video", input);
      assert.equal((result.structuredContent as { job: { status: string } }).job.status, "processing");
      const { page, frame } = await openHost();
      await show(page, "videodb_generate_video", input, result);
      await frame.waitForFunction(
        () => (document.querySelector("progress") as HTMLProgressElement | null)?.value,
      );
      const first = await frame.evaluate(
        () => (document.querySelector("progress") as HTMLProgressElement).value,
      );
      await page.screenshot({ path: path.join(artifacts, "job-progress.png") });
      await frame.waitForFunction(
        (value) => ((document.querySelector("progress") as HTMLProgressElement | null)?.value ?? 100) > value,
        first,
      );
      h.sandbox.videodb.holdJobs = false;
      await playsPast(frame, "video", 1);
      assert.match((await mediaInfo(frame, "video")).title ?? "", /a lighthouse at dusk/);
      assert.ok((await page.evaluate(() => window.host.calledTools)).every((name) => name === "job_status"));
      await page.screenshot({ path: path.join(artifacts, "job-done.png") });
      await page.close();
    } finally {
      h.sandbox.videodb.holdJobs = false;
    }
  });

  test("a link that is not http(s) is never offered nor opened", async () => {
    const input = { video_id: "m-5a1f0c9e3b7d2468" };
    const real = await callTool("videodb_generate_stream", input);
    const streamUrl = (real.structuredContent as { stream_url: string }).stream_url;
    const { page, frame } = await openHost({ noNativeHls: true, policy: "none" });
    for (const playerUrl of [
      "javascript:window.parent.host.openedLinks.push('script')",
      "data:text/html,<b>x</b>",
    ]) {
      const structured = { stream_url: streamUrl, player_url: playerUrl };
      await show(page, "videodb_generate_stream", input, {
        content: [{ type: "text", text: JSON.stringify(structured) }],
        structuredContent: structured,
      });
      await frame.waitForFunction(() => document.body.dataset.state === "link");
      // The offered link is the stream's own http URL, not the player_url.
      assert.equal(await frame.getAttribute("#stage a", "href"), streamUrl);
      await frame.click("#stage a");
      await page.waitForFunction(() => window.host.openedLinks.length > 0);
      assert.deepEqual(await page.evaluate(() => window.host.openedLinks.splice(0)), [streamUrl]);
    }
    const unsafeOnly = { stream_url: "javascript:alert(1)", player_url: "javascript:alert(2)" };
    await show(page, "videodb_generate_stream", input, {
      content: [{ type: "text", text: JSON.stringify(unsafeOnly) }],
      structuredContent: unsafeOnly,
    });
    await frame.waitForFunction(() => document.body.dataset.state === "empty");
    assert.equal(await frame.locator("#stage a, video").count(), 0);
    await page.close();
  });

  test("a tool whose media is an image shows the finished job's image", async () => {
    const list = await callTool("videodb_list_videos", {});
    const video = (list.structuredContent as { videos: Array<{ thumbnail_url: string }> }).videos[0];
    assert.ok(video?.thumbnail_url);
    // An image-generating tool as the host lists it: the view knows the media from the tool's _meta.
    const imageTool: Tool = {
      name: "videodb_generate_image",
      inputSchema: { type: "object" },
      _meta: { ui: { resourceUri: PLAYER_URI }, [MEDIA_META_KEY]: "image" },
    };
    const job = { id: "videodb:job-1", provider: "videodb", kind: "image_generation", status: "done" };
    const structured = { job: { ...job, result: { image_id: "img-1", url: video.thumbnail_url } } };
    const { page, frame } = await openHost();
    await show(
      page,
      imageTool,
      { prompt: "a lighthouse" },
      {
        content: [{ type: "text", text: JSON.stringify(structured) }],
        structuredContent: structured,
      },
    );
    await frame.waitForFunction(() => document.body.dataset.state === "ready");
    const image = await frame.evaluate(() => {
      const element = document.querySelector("#stage img") as HTMLImageElement;
      return {
        src: element.src,
        width: element.naturalWidth,
        title: document.getElementById("title")?.textContent,
      };
    });
    assert.equal(image.src, video.thumbnail_url);
    assert.ok(image.width > 0, "the image loaded");
    assert.equal(image.title, "Image img-1");
    await page.close();
  });

  test("a search's compiled stream plays the shots found, for their total length", async () => {
    const video = "m-c3e8a61b4f0d9725";
    await callTool("videodb_index_spoken_words", { video_id: video, force: true, wait_s: 30 });
    const input = { video_id: video, query: "pricing" };
    const result = await callTool("videodb_search", input);
    const found = result.structuredContent as {
      shots: Array<{ start: number; end: number }>;
      stream_url: string;
    };
    assert.ok(found.shots.length > 0, "the search found shots");
    const { page, frame } = await openHost();
    await show(page, "videodb_search", input, result);
    await playsPast(frame, "video", 1);
    const info = await mediaInfo(frame, "video");
    assert.equal(info.state, "ready");
    assert.equal(info.how, "hls-native");
    assert.equal(info.source, found.stream_url);
    const total = found.shots.reduce((sum, shot) => sum + shot.end - shot.start, 0);
    assert.ok(Math.abs(info.duration - total) < 0.6, `duration ${info.duration} vs ${total}`);
    await page.screenshot({ path: path.join(artifacts, "search-stream.png") });
    await page.close();
  });

  /**
   * Shows a VideoDB job the tool left running (jobs held), checks the bar stays up through a poll, then
   * lets the job end; answers the finished job as job_status gives it.
   */
  async function followHeldJob(tool: string, input: Record<string, unknown>) {
    h.sandbox.videodb.holdJobs = true;
    try {
      const result = await callTool(tool, input);
      const job = (result.structuredContent as { job: { id: string; status: string } }).job;
      assert.equal(job.status, "processing");
      const { page, frame } = await openHost();
      await show(page, tool, input, result);
      await frame.waitForFunction(() => document.body.dataset.state === "progress");
      await page.waitForFunction(() => window.host.calledTools.includes("job_status"));
      assert.equal(await frame.evaluate(() => document.body.dataset.state), "progress");
      h.sandbox.videodb.holdJobs = false;
      await frame.waitForFunction(() => ["ready", "fallback"].includes(document.body.dataset.state ?? ""));
      const done = await callTool("job_status", { job_id: job.id });
      const finished = (done.structuredContent as { job: { status: string; result: Record<string, string> } })
        .job;
      assert.equal(finished.status, "done");
      return { page, frame, result: finished.result };
    } finally {
      h.sandbox.videodb.holdJobs = false;
    }
  }

  test("a generated image shows as an image once its job is done", async () => {
    const { page, frame, result } = await followHeldJob("videodb_generate_image", {
      prompt: "a lighthouse at dawn",
      wait_s: 0,
    });
    const image = await frame.evaluate(() => {
      const element = document.querySelector("#stage img") as HTMLImageElement | null;
      return {
        src: element?.src,
        width: element?.naturalWidth ?? 0,
        state: document.body.dataset.state,
        videos: document.querySelectorAll("video, audio").length,
      };
    });
    assert.equal(image.state, "ready");
    assert.equal(image.src, result.url);
    assert.match(result.url ?? "", /\.png$/);
    assert.ok(image.width > 0, "the image loaded");
    assert.equal(image.videos, 0);
    await page.screenshot({ path: path.join(artifacts, "generated-image.png") });
    await page.close();
  });

  test("a generated voice plays once its job is done", async () => {
    const { page, frame, result } = await followHeldJob("videodb_generate_audio", {
      kind: "voice",
      text: "The player reads this line aloud.",
      wait_s: 0,
    });
    await playsPast(frame, "audio", 0.5);
    const info = await mediaInfo(frame, "audio");
    assert.equal(info.source, result.url);
    assert.equal(await frame.locator("#stage video").count(), 0);
    await page.close();
  });

  test("an uploaded video plays its stream once the upload's job is done", async () => {
    await writeFile(path.join(h.filesDir, "clip.mp4"), patternMp4());
    const { page, frame, result } = await followHeldJob("videodb_upload", {
      file_path: "clip.mp4",
      wait_s: 0,
    });
    assert.equal(result.media_type, "video");
    await playsPast(frame, "video", 1);
    const info = await mediaInfo(frame, "video");
    assert.equal(info.source, result.stream_url);
    assert.equal(info.how, "hls-native");
    assert.equal(info.title, "clip");
    await page.screenshot({ path: path.join(artifacts, "uploaded-video.png") });
    await page.close();
  });

  test("an uploaded image shows as an image: the result's media_type names what the upload holds", async () => {
    await writeFile(path.join(h.filesDir, "still.png"), gradientPng(64, 48, "still"));
    const { page, frame, result } = await followHeldJob("videodb_upload", {
      file_path: "still.png",
      wait_s: 0,
    });
    assert.equal(result.media_type, "image");
    const image = await frame.evaluate(() => {
      const element = document.querySelector("#stage img") as HTMLImageElement | null;
      return { src: element?.src, width: element?.naturalWidth ?? 0, height: element?.naturalHeight ?? 0 };
    });
    assert.equal(image.src, result.url);
    assert.deepEqual([image.width, image.height], [64, 48]);
    await page.close();
  });

  test("where an origin is declared for fetch only, its file plays from memory (blob:)", async () => {
    const { page, frame } = await openHost({ policy: "connect-only" });
    await show(page, "videodb_list_audios", {}, await callTool("videodb_list_audios", {}));
    await frame.waitForFunction(() => document.body.dataset.state === "list");
    await frame.click('ul.list li button:has-text("Sandbox sample: jingle")');
    await playsPast(frame, "audio", 0.5);
    const info = await mediaInfo(frame, "audio");
    assert.equal(info.how, "blob");
    assert.match(info.source ?? "", /^http:\/\/127\.0\.0\.1:\d+\//);
    await page.close();
  });

  test("no request leaves the declared origins", async () => {
    const { page, frame, requested } = await openHost();
    const input = { video_id: "m-5a1f0c9e3b7d2468", timeline: [[0, 4]] };
    await show(page, "videodb_generate_stream", input, await callTool("videodb_generate_stream", input));
    await playsPast(frame, "video", 0.5);
    const audio = { audio_id: await aiozSample() };
    await show(page, "aioz_get_audio", audio, await callTool("aioz_get_audio", audio));
    await playsPast(frame, "audio", 0.5);
    await page.close();
    const allowed = new Set([
      hostOrigin,
      viewOrigin,
      ...(csp.resourceDomains ?? []),
      ...(csp.connectDomains ?? []),
    ]);
    const origins = new Set(
      requested.filter((url) => /^https?:/.test(url)).map((url) => new URL(url).origin),
    );
    assert.ok(origins.size >= 4, [...origins].join());
    for (const origin of origins) assert.ok(allowed.has(origin), `${origin} is not declared`);
  });
});
