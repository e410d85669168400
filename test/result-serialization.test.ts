import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import type { CallToolResult, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { loadSettings } from "../src/config.js";
import { configureLog } from "../src/log.js";
import { SANDBOX_SEED, type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { createRuntime, createServer } from "../src/server.js";
import { serializeLine, successResult } from "../src/tools/result.js";
import { testBasePaths } from "./helpers/harness.js";

/** What a client reads from the line: the message as JSON.stringify writes it. */
function assertLineIsMessage(message: JSONRPCMessage, what: string): void {
  const line = serializeLine(message);
  assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"), `${what}: one line`);
  assert.deepEqual(JSON.parse(line), JSON.parse(JSON.stringify(message)), what);
}

describe("serializeLine writes exactly the message it is given", () => {
  test("a result copied with another structuredContent is written with the new one", () => {
    const original = successResult({ audio: { id: "a-1" } }, "Audio a-1");
    const replaced = { ...original, structuredContent: { audio: { id: "a-2" } } };
    const line = serializeLine({ jsonrpc: "2.0", id: 1, result: replaced });
    assert.deepEqual(JSON.parse(line).result.structuredContent, { audio: { id: "a-2" } });
    assertLineIsMessage({ jsonrpc: "2.0", id: 1, result: replaced }, "copied result");
  });

  test("a result copied whole, with other fields beside, is written whole", () => {
    const original = successResult({ job: { id: "videodb:j-1", status: "processing" } }, "Job");
    assertLineIsMessage({ jsonrpc: "2.0", id: "x", result: { ...original, _meta: { k: 1 } } }, "copy");
    assertLineIsMessage({ jsonrpc: "2.0", id: 2, result: { ...original, isError: false } }, "copy");
  });

  describe("every tool's answers, as the server sends them", () => {
    let sandbox: Sandbox;
    let filesDir: string;
    let client: Client;
    const sent: JSONRPCMessage[] = [];
    let toolNames: string[];
    const called = new Set<string>();

    before(async () => {
      // Jobs that stay processing for the whole file, so every job tool answers with a processing job.
      sandbox = await startSandbox({ jobDurationMs: 600_000, basePaths: testBasePaths });
      filesDir = await mkdtemp(path.join(os.tmpdir(), "mediagate-lines-"));
      const settings = await loadSettings({ ...sandbox.env(), MEDIAGATE_FILE_ROOTS: filesDir }, {});
      configureLog("silent", settings.secrets);
      const server = createServer(createRuntime(settings));
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const send = serverSide.send.bind(serverSide);
      serverSide.send = (message, options) => {
        sent.push(message);
        return send(message, options);
      };
      await server.connect(serverSide);
      client = new Client({ name: "mediagate-test", version: "1.0.0" });
      await client.connect(clientSide);
      toolNames = (await client.listTools()).tools.map((tool) => tool.name);
    });

    after(async () => {
      await client?.close();
      await sandbox?.close();
      await rm(filesDir, { recursive: true, force: true });
    });

    const call = async (name: string, args: Record<string, unknown>) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      if (!result.isError) called.add(name);
      return result;
    };
    const structured = (result: CallToolResult) => {
      assert.ok(!result.isError, JSON.stringify(result.content));
      return result.structuredContent as Record<string, unknown>;
    };

    test("successes, processing jobs and errors of every tool", async () => {
      const file = path.join(filesDir, "voice.mp3");
      await writeFile(file, randomBytes(3000));
      const { videoIds, audioIds } = SANDBOX_SEED.videodb;
      // Successes.
      await call("videodb_list_videos", {});
      await call("videodb_list_audios", {});
      await call("videodb_generate_stream", { video_id: videoIds[0], timeline: [[0, 5]] });
      await call("videodb_generate_audio_url", { audio_id: audioIds[0] });
      await call("aioz_list_audio", {});
      await call("aioz_get_audio", { audio_id: SANDBOX_SEED.aioz.audioId });
      await call("aioz_update_audio", { audio_id: SANDBOX_SEED.aioz.audioId, title: 'Quotes " \\ é' });
      await call("aioz_estimate_transcode_cost", { qualities: ["good"], duration: 60 });
      await call("aistudios_list_models", {});
      await call("aistudios_export_audio", {
        language: "en",
        text: "Hello",
        model: SANDBOX_SEED.aistudios.modelIds[0],
      });
      const audio = structured(await call("aioz_create_audio", { title: "Lines" })).audio as { id: string };
      await call("aioz_upload_audio_part", { audio_id: audio.id, file_path: file, index: 1 });
      // Processing jobs.
      const completed = structured(
        await call("aioz_complete_audio_upload", { audio_id: audio.id, wait_s: 0 }),
      );
      await call("aioz_upload_audio", { file_path: file, wait_s: 0 });
      const video = structured(await call("videodb_generate_video", { prompt: "a line", wait_s: 0 }));
      const jobId = (video.job as { id: string }).id;
      await call("job_status", { job_id: jobId });
      await call("job_wait", { job_id: (completed.job as { id: string }).id, timeout_s: 1 });
      await call("aistudios_generate_video", {
        language: "en",
        text: "A line.",
        model: "M000045058",
        clothes: "BG00002320",
        wait_s: 0,
      });
      // Jobs here run for ten minutes, so that processing jobs are seen; the VideoDB ones a later call needs
      // finished (an upload's video, an index to search) run at once.
      sandbox.videodb.jobDurationMs = 0;
      const uploaded = structured(
        await call("videodb_upload", { file_path: file, media_type: "video", wait_s: 20 }),
      );
      const uploadedVideo = String((uploaded.job as { result?: { video_id?: string } }).result?.video_id);
      await call("videodb_get_video", { video_id: videoIds[0] });
      await call("videodb_index_spoken_words", { video_id: videoIds[0], wait_s: 20 });
      await call("videodb_search", { video_id: videoIds[0], query: "pricing" });
      await call("videodb_get_transcript", { video_id: videoIds[0], wait_s: 20 });
      sandbox.videodb.jobDurationMs = 600_000;
      await call("videodb_generate_audio", { kind: "voice", text: "A line.", wait_s: 0 });
      await call("videodb_generate_image", { prompt: "a line", wait_s: 0 });
      await call("videodb_delete_video", { video_id: uploadedVideo });
      await call("aioz_delete_audio", { audio_id: audio.id });
      // Errors: the provider's, and input refused before any request.
      sandbox.videodb.inject({ status: 500, times: 100 });
      sandbox.aioz.inject({ status: 404, times: 100 });
      sandbox.aistudios.inject({ status: 400, times: 100 });
      for (const name of toolNames) {
        await call(name, {});
        await call(name, { unexpected: true, job_id: "videodb:j-missing", audio_id: "missing" });
      }
      sandbox.videodb.clearFaults();
      sandbox.aioz.clearFaults();
      sandbox.aistudios.clearFaults();

      assert.deepEqual(
        toolNames.filter((name) => !called.has(name)),
        [],
        "every listed tool answers here at least once without an error: add the new one above",
      );
      const answers = sent.filter(
        (message) => "result" in message && "content" in (message.result as object),
      );
      const results = answers.map((message) => (message as unknown as { result: CallToolResult }).result);
      assert.ok(results.some((result) => result.isError));
      assert.ok(
        results.some((result) => JSON.stringify(result.structuredContent ?? {}).includes('"processing"')),
      );
      for (const message of answers) assertLineIsMessage(message, JSON.stringify(message).slice(0, 120));
      for (const message of sent) assertLineIsMessage(message, JSON.stringify(message).slice(0, 120));
    });
  });
});
