import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { allOperations } from "../src/catalog.js";
import { toolsetIds } from "../src/types.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";

/** The tool names the contract fixes. */
const contractTools = [
  "videodb_list_videos",
  "videodb_list_audios",
  "videodb_generate_stream",
  "videodb_generate_audio_url",
  "videodb_generate_video",
  "videodb_upload",
  "videodb_get_video",
  "videodb_delete_video",
  "videodb_index_spoken_words",
  "videodb_search",
  "videodb_get_transcript",
  "videodb_generate_audio",
  "videodb_generate_image",
  "aioz_create_audio",
  "aioz_list_audio",
  "aioz_get_audio",
  "aioz_update_audio",
  "aioz_delete_audio",
  "aioz_estimate_transcode_cost",
  "aioz_upload_audio_part",
  "aioz_complete_audio_upload",
  "aioz_upload_audio",
  "aistudios_list_models",
  "aistudios_export_audio",
  "aistudios_generate_video",
  "job_status",
  "job_wait",
];

const snapshotDir = path.resolve(import.meta.dirname, "__toolsnaps__");
const updating = process.env.UPDATE_TOOLSNAPS === "1";

type Schema = Record<string, unknown>;

let h: InProcessHarness;
let tools: Tool[];

before(async () => {
  h = await startInProcess();
  tools = (await h.client.listTools()).tools;
});

after(async () => {
  await h?.close();
});

/** Every property schema in an input schema, with its JSON path, however deep. */
function properties(schema: Schema, at = ""): Array<{ at: string; schema: Schema }> {
  const found: Array<{ at: string; schema: Schema }> = [];
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [name, child] of Object.entries(props)) {
    found.push({ at: `${at}${name}`, schema: child });
    found.push(...nested(child, `${at}${name}`));
  }
  return found;
}

function nested(schema: Schema, at: string): Array<{ at: string; schema: Schema }> {
  const found: Array<{ at: string; schema: Schema }> = [];
  if (schema.properties) found.push(...properties(schema, `${at}.`));
  if (schema.items && !Array.isArray(schema.items)) {
    const items = schema.items as Schema;
    found.push(...nested(items, `${at}[]`));
  }
  if (schema.additionalProperties && typeof schema.additionalProperties === "object") {
    found.push(...nested(schema.additionalProperties as Schema, `${at}{}`));
  }
  return found;
}

/** Every sub-schema (objects inside the schema), for rules that apply at any depth. */
function everySchema(schema: unknown, visit: (schema: Schema, at: string) => void, at = "$"): void {
  if (Array.isArray(schema)) {
    schema.forEach((item, i) => {
      everySchema(item, visit, `${at}[${i}]`);
    });
    return;
  }
  if (schema === null || typeof schema !== "object") return;
  visit(schema as Schema, at);
  for (const [key, value] of Object.entries(schema)) everySchema(value, visit, `${at}.${key}`);
}

function snapshotOf(tool: Tool): string {
  const { name, title, description, inputSchema, outputSchema, annotations } = tool;
  return `${JSON.stringify({ name, title, description, inputSchema, outputSchema, annotations }, null, 2)}\n`;
}

describe("tool schema snapshots", () => {
  it("lists every tool the contract names, and no other", () => {
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [...contractTools].sort());
  });

  for (const name of contractTools) {
    it(`${name} matches its snapshot (UPDATE_TOOLSNAPS=1 rewrites it on purpose)`, async () => {
      const tool = tools.find((candidate) => candidate.name === name);
      assert.ok(tool, `${name} is not listed`);
      const file = path.join(snapshotDir, `${name}.snap`);
      const actual = snapshotOf(tool);
      if (updating) {
        await mkdir(snapshotDir, { recursive: true });
        await writeFile(file, actual);
        return;
      }
      const expected = await readFile(file, "utf8").catch(() => undefined);
      assert.ok(
        expected !== undefined,
        `no snapshot ${path.relative(process.cwd(), file)}: run with UPDATE_TOOLSNAPS=1`,
      );
      assert.deepEqual(
        JSON.parse(actual),
        JSON.parse(expected),
        `${name} changed; if on purpose, UPDATE_TOOLSNAPS=1`,
      );
    });
  }
});

describe("rules across all tools", () => {
  it("every tool belongs to a known toolset named by its prefix", () => {
    assert.deepEqual(allOperations.map((operation) => operation.name).sort(), [...contractTools].sort());
    for (const operation of allOperations) {
      assert.ok(toolsetIds.includes(operation.toolset), `${operation.name}: toolset ${operation.toolset}`);
      const prefix = operation.name.startsWith("job_") ? "jobs" : operation.name.split("_")[0];
      assert.equal(operation.toolset, prefix, operation.name);
    }
  });

  it("every tool has a title, a description and all four annotation hints as booleans", () => {
    for (const tool of tools) {
      assert.ok(tool.title && tool.title.length > 3, `${tool.name}: title`);
      assert.ok(tool.description && tool.description.length > 20, `${tool.name}: description`);
      for (const hint of ["readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"] as const) {
        assert.equal(typeof tool.annotations?.[hint], "boolean", `${tool.name}: ${hint}`);
      }
    }
  });

  it("annotations tell the truth: deletes are destructive, read-only tools do not spend or change", () => {
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    assert.equal(byName.get("aioz_delete_audio")?.annotations?.destructiveHint, true);
    for (const spender of [
      "videodb_generate_video",
      "aistudios_export_audio",
      "aistudios_generate_video",
      "aioz_create_audio",
      "aioz_update_audio",
      "aioz_delete_audio",
      "aioz_upload_audio",
      "aioz_upload_audio_part",
      "aioz_complete_audio_upload",
    ]) {
      assert.equal(byName.get(spender)?.annotations?.readOnlyHint, false, spender);
    }
    for (const reader of [
      "videodb_list_videos",
      "videodb_list_audios",
      "aioz_list_audio",
      "aioz_get_audio",
      "aistudios_list_models",
      "job_status",
      "job_wait",
    ]) {
      assert.equal(byName.get(reader)?.annotations?.readOnlyHint, true, reader);
      assert.equal(byName.get(reader)?.annotations?.destructiveHint, false, reader);
    }
    for (const tool of tools) {
      if (tool.annotations?.readOnlyHint) assert.equal(tool.annotations.destructiveHint, false, tool.name);
    }
  });

  it("every tool has an object outputSchema", () => {
    for (const tool of tools) assert.equal(tool.outputSchema?.type, "object", tool.name);
  });

  it("no input schema has a top-level anyOf, oneOf or allOf", () => {
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, "object", tool.name);
      for (const keyword of ["anyOf", "oneOf", "allOf", "not", "if"]) {
        assert.equal(keyword in tool.inputSchema, false, `${tool.name}: top-level ${keyword}`);
      }
    }
  });

  it("no schema uses tuples (prefixItems or an array of items)", () => {
    for (const tool of tools) {
      for (const schema of [tool.inputSchema, tool.outputSchema]) {
        everySchema(schema, (node, at) => {
          assert.equal("prefixItems" in node, false, `${tool.name} ${at}: prefixItems`);
          assert.equal(Array.isArray(node.items), false, `${tool.name} ${at}: items is an array`);
        });
      }
    }
  });

  it("a [start, end] pair is an array of numbers with minItems and maxItems 2", () => {
    const stream = tools.find((tool) => tool.name === "videodb_generate_stream");
    assert.ok(stream);
    const timeline = (stream.inputSchema.properties as Record<string, Schema>).timeline as Schema;
    const pair = timeline.items as Schema;
    assert.equal(pair.type, "array");
    assert.equal(pair.minItems, 2);
    assert.equal(pair.maxItems, 2);
    assert.equal((pair.items as Schema).type, "number");
  });

  it("every input property, at any depth, has a type", () => {
    for (const tool of tools) {
      for (const { at, schema } of properties(tool.inputSchema as Schema)) {
        assert.ok(typeof schema.type === "string", `${tool.name}: ${at} has no type`);
      }
    }
  });

  it("every input property, at any depth, has a description", () => {
    for (const tool of tools) {
      for (const { at, schema } of properties(tool.inputSchema as Schema)) {
        assert.ok(
          typeof schema.description === "string" && schema.description.trim().length > 0,
          `${tool.name}: ${at} has no description`,
        );
      }
    }
  });

  it("closed sets are typed enums, never unions of literals or untyped consts", () => {
    for (const tool of tools) {
      everySchema(tool.inputSchema, (node, at) => {
        if ("enum" in node) assert.ok(typeof node.type === "string", `${tool.name} ${at}: enum without type`);
        if ("const" in node)
          assert.ok(typeof node.type === "string", `${tool.name} ${at}: const without type`);
        for (const keyword of ["anyOf", "oneOf"]) {
          const options = node[keyword];
          if (Array.isArray(options)) {
            assert.ok(
              !options.every((option) => typeof option === "object" && option !== null && "const" in option),
              `${tool.name} ${at}: a ${keyword} of consts; use a typed enum`,
            );
          }
        }
      });
    }
  });

  it("a default or a limit in a schema is said in the description too", () => {
    for (const tool of tools) {
      for (const { at, schema } of properties(tool.inputSchema as Schema)) {
        const description = String(schema.description ?? "");
        if ("default" in schema) {
          assert.match(
            description,
            /default/i,
            `${tool.name}: ${at} has a default its description does not state`,
          );
        }
        for (const keyword of ["maximum", "minimum", "maxLength", "maxItems"] as const) {
          const limit = schema[keyword];
          if (typeof limit !== "number" || limit >= Number.MAX_SAFE_INTEGER || limit === 0) continue;
          if (keyword === "maxItems" && limit === 2) continue;
          const spoken = [String(limit), limit.toLocaleString("en")];
          if (limit % 1_000_000 === 0) spoken.push(`${limit / 1_000_000} MB`);
          if (limit % (1024 * 1024) === 0) spoken.push(`${limit / 1024 / 1024} MiB`);
          assert.ok(
            spoken.some((text) => description.includes(text)),
            `${tool.name}: ${at} has ${keyword} ${limit} its description does not state`,
          );
        }
      }
    }
  });

  it("tool names are <provider>_<verb>_<noun> in snake_case, or job_<verb>", () => {
    // Named so by the contract: verbs whose object is the provider's own media.
    const verbOnly = new Set(["videodb_upload", "videodb_search"]);
    for (const tool of tools) {
      if (verbOnly.has(tool.name)) continue;
      assert.match(tool.name, /^(?:(?:videodb|aioz|aistudios)_[a-z]+(?:_[a-z]+)+|job_[a-z]+)$/, tool.name);
    }
  });
});
