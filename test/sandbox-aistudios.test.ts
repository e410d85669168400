import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";

type Json = Record<string, unknown>;

/** The AI Studios emulator's presenter video routes, asked as the documents' own examples ask them. */
describe("sandbox: AI Studios presenter videos", () => {
  let sb: Sandbox;
  let failing: Sandbox;

  before(async () => {
    [sb, failing] = await Promise.all([
      startSandbox({ jobDurationMs: 50 }),
      startSandbox({ jobDurationMs: 50, failureRate: 1 }),
    ]);
  });
  after(async () => {
    await Promise.all([sb?.close(), failing?.close()]);
  });

  const studio = (sandbox: Sandbox, path: string, init: RequestInit = {}) =>
    fetch(`${sandbox.aistudios.url}${path}`, {
      ...init,
      headers: {
        authorization: sandbox.credentials.aistudiosApiKey,
        "content-type": "application/json",
        ...init.headers,
      },
    });

  const presenter = {
    language: "en",
    text: "Sample Script",
    model: "M000045058",
    clothes: "BG00002320",
    isExport: true,
  };

  async function exportVideo(sandbox: Sandbox, body: Json): Promise<{ status: number; json: Json }> {
    const res = await studio(sandbox, "/api/odin/v3/simple/video", {
      method: "POST",
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  }

  async function progressOf(sandbox: Sandbox, projectId: string): Promise<Json> {
    const res = await studio(sandbox, `/api/odin/v3/editor/progress/${projectId}`);
    assert.equal(res.status, 200);
    return (await res.json()) as Json;
  }

  const refusals: Array<[string, Json, string, RegExp]> = [
    ["a missing clothes", { ...presenter, clothes: undefined }, "BAD_REQUEST", /clothes is required/],
    ["an unknown model", { ...presenter, model: "M999999999" }, "INVALID_MODEL", /unknown model M999999999/],
    [
      "clothes of another model",
      { ...presenter, language: "ko", model: "M000004017", clothes: "BG00002321" },
      "INVALID_CLOTHES",
      /clothes BG00002321 are not model M000004017's \(its clothes: BG00004017\)/,
    ],
    [
      "a language the model does not speak",
      { ...presenter, language: "ja" },
      "INVALID_LANGUAGE",
      /does not speak ja/,
    ],
    [
      "a resolution it does not render",
      { ...presenter, resolution: "1440" },
      "INVALID_RESOLUTION",
      /4k, 1080, 720, 480/,
    ],
    [
      "a resolution as a number",
      { ...presenter, resolution: 1080 },
      "INVALID_RESOLUTION",
      /4k, 1080, 720, 480/,
    ],
    ["an isExport that is not a boolean", { ...presenter, isExport: "yes" }, "BAD_REQUEST", /isExport/],
    [
      "a webhookUrl that is not a URL",
      { ...presenter, webhookUrl: "not a url" },
      "BAD_REQUEST",
      /webhookUrl/,
    ],
    ["an empty text", { ...presenter, text: "" }, "BAD_REQUEST", /text is required/],
  ];
  for (const [name, body, code, message] of refusals) {
    test(`POST /api/odin/v3/simple/video refuses ${name} with 400 in AI Studios' envelope`, async () => {
      const { status, json } = await exportVideo(sb, body);
      assert.equal(status, 400);
      assert.equal(json.success, false);
      const error = json.error as Json;
      assert.equal(error.code, code);
      assert.match(String(error.msg), message);
    });
  }

  test("refuses a request without credentials", async () => {
    const res = await fetch(`${sb.aistudios.url}/api/odin/v3/simple/video`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(presenter),
    });
    assert.equal(res.status, 401);
  });

  test("a project's progress climbs below 100 while it renders, then reaches 100 with a downloadUrl that serves an MP4", async () => {
    sb.aistudios.holdJobs = true;
    let projectId: string;
    const seen: number[] = [];
    try {
      const { status, json } = await exportVideo(sb, { ...presenter, resolution: "720" });
      assert.equal(status, 200);
      assert.equal(json.success, true);
      projectId = String((json.data as Json).projectId);
      assert.match(projectId, /^[0-9a-f]{24}$/);
      // Held, a render due by now stays at 99: polled until then, so the next poll after the release ends it.
      while (seen.length < 2 || seen.at(-1) !== 99) {
        const answer = await progressOf(sb, projectId);
        assert.equal(answer.success, true);
        const data = answer.data as Json;
        assert.equal(typeof data.progress, "number");
        assert.equal(data.downloadUrl, undefined, "no URL before the render is over");
        seen.push(data.progress as number);
      }
      const video = await fetch(`${sb.aistudios.origin}/sandbox/aistudios/videos/${projectId}.mp4`);
      assert.equal(video.status, 404, "nothing to download yet");
      await video.body?.cancel();
    } finally {
      sb.aistudios.holdJobs = false;
    }
    for (let i = 1; i < seen.length; i++) assert.ok((seen[i] ?? 0) >= (seen[i - 1] ?? 0), seen.join(", "));
    assert.ok(
      seen.every((value) => value >= 0 && value < 100),
      seen.join(", "),
    );

    const done = (await progressOf(sb, projectId)).data as Json;
    assert.equal(done.progress, 100);
    const url = String(done.downloadUrl);
    assert.equal(url, `${sb.aistudios.origin}/sandbox/aistudios/videos/${projectId}.mp4`);
    const video = await fetch(url);
    assert.equal(video.status, 200);
    assert.equal(video.headers.get("content-type"), "video/mp4");
    const bytes = Buffer.from(await video.arrayBuffer());
    assert.equal(bytes.subarray(4, 8).toString("latin1"), "ftyp");
  });

  test("an unknown project is a 404 in AI Studios' envelope", async () => {
    const res = await studio(sb, "/api/odin/v3/editor/progress/000000000000000000000000");
    assert.equal(res.status, 404);
    assert.deepEqual(((await res.json()) as Json).success, false);
  });

  test("a failed render answers success: false with its code and message, and serves no video", async () => {
    const { json } = await exportVideo(failing, presenter);
    const projectId = String((json.data as Json).projectId);
    // Due after 50 ms: the first poll after that settles it, whichever comes first.
    let answer: Json;
    do {
      answer = await progressOf(failing, projectId);
    } while (answer.success === true);
    assert.deepEqual(answer, {
      success: false,
      error: { code: "EXPORT_FAILED", msg: "video export failed (sandbox failureRate)" },
    });
    const video = await fetch(`${failing.aistudios.origin}/sandbox/aistudios/videos/${projectId}.mp4`);
    assert.equal(video.status, 404);
    await video.body?.cancel();
  });

  describe("webhookUrl", () => {
    let hook: Server;
    let delivered: Promise<Json>;
    before(async () => {
      let deliver: (body: Json) => void = () => {};
      delivered = new Promise((resolve) => (deliver = resolve));
      hook = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => {
          deliver(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Json);
          res.end();
        });
      });
      await new Promise<void>((resolve) => hook.listen(0, "127.0.0.1", resolve));
    });
    after(() => new Promise<void>((resolve) => hook.close(() => resolve())));

    test("receives the fields reference/webhook.md lists once the export is over", async () => {
      const port = (hook.address() as AddressInfo).port;
      const { json } = await exportVideo(sb, { ...presenter, webhookUrl: `http://127.0.0.1:${port}/done` });
      const projectId = String((json.data as Json).projectId);
      const body = await delivered;
      assert.equal(body.progress, 100);
      assert.equal(body.backendTaskId, projectId);
      assert.equal(typeof body.credit, "number");
      assert.equal(body.download_url, `${sb.aistudios.origin}/sandbox/aistudios/videos/${projectId}.mp4`);
    });
  });
});
