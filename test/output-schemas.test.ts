import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import { SANDBOX_SEED } from "../src/sandbox/index.js";
import { type Harness, startHarness } from "./helpers/harness.js";

/**
 * The server leaves checking results against their output schema to its own mapping (the SDK's check on
 * every call is skipped, see src/tools/registry.ts), so the suite checks them: here explicitly, with the
 * SDK's Ajv validator against the schema tools/list gives, and in every other test through the SDK client,
 * which checks each result of a listed tool the same way.
 */
describe("results match the output schema tools/list gives", () => {
  let h: Harness;
  let tools: Map<string, Tool>;
  const ajv = new AjvJsonSchemaValidator();

  before(async () => {
    h = await startHarness();
    tools = new Map((await h.client.listTools()).tools.map((tool) => [tool.name, tool]));
  });
  after(async () => {
    await h?.close();
  });

  test("every tool lists an object output schema", () => {
    assert.ok(tools.size >= 18);
    for (const tool of tools.values()) {
      assert.equal(tool.outputSchema?.type, "object", tool.name);
    }
  });

  const calls: Array<[string, () => Record<string, unknown>]> = [
    ["aioz_list_audio", () => ({})],
    ["aioz_get_audio", () => ({ audio_id: SANDBOX_SEED.aioz.audioId })],
    ["aioz_create_audio", () => ({ title: "Schema check" })],
    ["aioz_update_audio", () => ({ audio_id: SANDBOX_SEED.aioz.audioId, title: "Renamed" })],
    ["aioz_estimate_transcode_cost", () => ({ qualities: ["good"], duration: 60 })],
    ["videodb_list_videos", () => ({})],
    ["videodb_list_audios", () => ({})],
    ["videodb_generate_audio_url", () => ({ audio_id: SANDBOX_SEED.videodb.audioIds[0] })],
    ["videodb_generate_stream", () => ({ video_id: SANDBOX_SEED.videodb.videoIds[0], timeline: [[0, 10]] })],
    ["aistudios_list_models", () => ({})],
  ];
  for (const [name, args] of calls) {
    test(`${name}: structuredContent matches its listed outputSchema`, async () => {
      const outcome = await h.call(name, args());
      assert.equal(outcome.isError, false, outcome.text);
      const schema = tools.get(name)?.outputSchema;
      assert.ok(schema, `${name} lists an output schema`);
      const check = ajv.getValidator(schema)(outcome.structured);
      assert.ok(check.valid, `${name}: ${check.valid ? "" : check.errorMessage}`);
      const json = outcome.text.slice(outcome.text.indexOf("\n") + 1);
      assert.deepEqual(JSON.parse(json), outcome.structured, "the text carries the same JSON");
    });
  }

  test("aioz_delete_audio: structuredContent matches its listed outputSchema", async () => {
    const created = await h.call("aioz_create_audio", { title: "To delete" });
    const id = (created.structured?.audio as { id?: string } | undefined)?.id;
    assert.ok(id);
    const outcome = await h.call("aioz_delete_audio", { audio_id: id });
    assert.equal(outcome.isError, false, outcome.text);
    const check = ajv.getValidator(tools.get("aioz_delete_audio")?.outputSchema ?? {})(outcome.structured);
    assert.ok(check.valid, check.valid ? "" : check.errorMessage);
  });
});
