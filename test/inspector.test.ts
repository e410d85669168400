import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { cliPath } from "./helpers/harness.js";
import {
  cleanEnv,
  connectHttpClient,
  type ServerProcess,
  startServerProcess,
} from "./helpers/server-process.js";

const run = promisify(execFile);
const inspector = path.resolve(import.meta.dirname, "../node_modules/.bin/mcp-inspector");

interface ListedTool {
  name: string;
  annotations?: { readOnlyHint?: boolean };
}

/** Runs `mcp-inspector --cli <target...> <args...>` and parses the JSON it prints. */
async function inspect(target: string[], args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(inspector, ["--cli", ...target, ...args], {
    env: cleanEnv(),
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

function resultText(result: Record<string, unknown>): string {
  const content = result.content as { type: string; text?: string }[];
  return content.map((block) => block.text ?? "").join("\n");
}

/** Every http(s) URL in a value, as the agent would find them in the result text. */
function urlsIn(value: unknown): string[] {
  return JSON.stringify(value).match(/https?:\/\/[^"\\\s]+/g) ?? [];
}

/** Opens a URL; for an HLS playlist also its first entry, so a manifest that names missing media fails. */
async function assertOpens(url: string): Promise<void> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  const body = await response.text();
  if (!body.startsWith("#EXTM3U")) return;
  const entry = body.split("\n").find((line) => line.trim() !== "" && !line.startsWith("#"));
  assert.ok(entry, `${url} lists media`);
  await assertOpens(new URL(entry.trim(), url).href);
}

describe("the MCP Inspector CLI against the built server", () => {
  const stdio = ["node", cliPath, "--sandbox"];

  test("lists every tool, each with its annotations, over stdio", async () => {
    const listed = await inspect(stdio, ["--method", "tools/list"]);
    const tools = listed.tools as ListedTool[];
    assert.ok(tools.length >= 18, `${tools.length} tools`);
    for (const tool of tools) assert.equal(typeof tool.annotations?.readOnlyHint, "boolean", tool.name);
  });

  test("calls a tool with arguments over stdio", async () => {
    const result = await inspect(stdio, [
      "--method",
      "tools/call",
      "--tool-name",
      "aistudios_export_audio",
      "--tool-arg",
      "language=en",
      "--tool-arg",
      "text=Hello from mediagate",
      "--tool-arg",
      "model=M000045058",
    ]);
    assert.notEqual(result.isError, true, resultText(result));
    const structured = result.structuredContent as { download_url: string };
    assert.match(structured.download_url, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(resultText(result).includes(structured.download_url), "the URL is in the text too");
  });

  describe("over Streamable HTTP (what npm start serves)", () => {
    let server: ServerProcess;
    let filesDir: string;
    before(async () => {
      filesDir = await mkdtemp(path.join(os.tmpdir(), "mediagate-inspector-"));
      await writeFile(path.join(filesDir, "voice.mp3"), Buffer.alloc(3000, 7));
      server = await startServerProcess(["--sandbox"], cleanEnv({ MEDIAGATE_FILE_ROOTS: filesDir }));
    });
    after(async () => {
      await server?.kill();
      if (filesDir) await rm(filesDir, { recursive: true, force: true });
    });

    test("lists the tools", async () => {
      const listed = await inspect([server.url, "--transport", "http"], ["--method", "tools/list"]);
      assert.ok((listed.tools as ListedTool[]).length >= 18);
    });

    test("calls a tool, and the URLs it returns open", async () => {
      const result = await inspect(
        [server.url, "--transport", "http"],
        ["--method", "tools/call", "--tool-name", "videodb_list_videos"],
      );
      assert.notEqual(result.isError, true, resultText(result));
      const [video] = (result.structuredContent as { videos: Record<string, string>[] }).videos;
      assert.ok(video);
      for (const field of ["stream_url", "player_url", "thumbnail_url"]) {
        const url: string | undefined = video[field];
        assert.ok(url, `${field} is present`);
        const response = await fetch(url);
        assert.equal(response.status, 200, `${field} ${url}`);
        await response.arrayBuffer();
      }
    });

    test("every tool answers against the sandbox, and every URL in the results opens", async () => {
      const mcp = await connectHttpClient(server.url);
      try {
        const urls = new Set<string>();
        const called = new Set<string>();
        const call = async (name: string, args: Record<string, unknown> = {}) => {
          const result = await mcp.callTool({ name, arguments: args });
          assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content)}`);
          called.add(name);
          for (const url of urlsIn(result.structuredContent)) urls.add(url);
          // biome-ignore lint/suspicious/noExplicitAny: the test reads result shapes the schemas guarantee
          return result.structuredContent as Record<string, any>;
        };
        const { videos } = await call("videodb_list_videos");
        const { audios } = await call("videodb_list_audios");
        await call("videodb_generate_stream", {
          video_id: videos[0].id,
          timeline: [
            [0, 4],
            [10, 12],
          ],
        });
        await call("videodb_generate_audio_url", { audio_id: audios[0].id });
        const generation = await call("videodb_generate_video", {
          prompt: "a lighthouse at dusk",
          wait_s: 0,
        });
        const created = await call("aioz_create_audio", { title: "mediagate test" });
        const audioId = created.audio.id as string;
        await call("aioz_get_audio", { audio_id: audioId });
        await call("aioz_update_audio", { audio_id: audioId, title: "renamed" });
        await call("aioz_upload_audio_part", { audio_id: audioId, file_path: "voice.mp3", index: 1 });
        const completed = await call("aioz_complete_audio_upload", { audio_id: audioId, wait_s: 0 });
        const upload = await call("aioz_upload_audio", { file_path: "voice.mp3", wait_s: 0 });
        await call("aioz_list_audio", { limit: 10 });
        await call("aioz_estimate_transcode_cost", { qualities: ["standard"], duration: 60 });
        await call("aistudios_list_models");
        await call("aistudios_export_audio", {
          language: "en",
          text: "Hello from mediagate",
          model: "M000045058",
        });
        const presenter = await call("aistudios_generate_video", {
          language: "en",
          text: "Hello from mediagate",
          model: "M000045058",
          clothes: "BG00002320",
          wait_s: 0,
        });
        const uploaded = await call("videodb_upload", { file_path: "voice.mp3", wait_s: 0 });
        const video = await call("videodb_get_video", { video_id: videos[0].id });
        const indexed = await call("videodb_index_spoken_words", { video_id: video.video.id, wait_s: 0 });
        await call("job_wait", { job_id: indexed.job.id, timeout_s: 30 });
        await call("videodb_search", { video_id: video.video.id, query: "pricing" });
        await call("videodb_get_transcript", { video_id: video.video.id, wait_s: 30 });
        const voice = await call("videodb_generate_audio", { kind: "voice", text: "Hello", wait_s: 0 });
        const image = await call("videodb_generate_image", { prompt: "a lighthouse", wait_s: 0 });
        await call("job_status", { job_id: generation.job.id });
        for (const job of [
          generation.job,
          completed.job,
          upload.job,
          presenter.job,
          uploaded.job,
          voice.job,
          image.job,
        ]) {
          const waited = await call("job_wait", { job_id: job.id, timeout_s: 30 });
          assert.equal(waited.job.status, "done", JSON.stringify(waited.job));
        }
        const { tools } = await mcp.listTools();
        assert.deepEqual(
          tools
            .map((tool) => tool.name)
            .filter(
              (name) =>
                !called.has(name) && !name.endsWith("_delete_audio") && !name.endsWith("_delete_video"),
            ),
          [],
          "every tool but the deletes was called",
        );
        assert.ok(urls.size > 10, `${urls.size} URLs`);
        for (const url of urls) await assertOpens(url);
        await call("aioz_delete_audio", { audio_id: audioId });
        await call("videodb_delete_video", { video_id: video.video.id });
      } finally {
        await mcp.close();
      }
    });
  });
});
