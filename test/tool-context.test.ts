import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { countTokens } from "@anthropic-ai/tokenizer";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { encode } from "gpt-tokenizer";
import { contextGoals } from "../bench/context-cost.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";

let h: InProcessHarness;
let tools: Tool[];

before(async () => {
  h = await startInProcess();
  tools = (await h.client.listTools()).tools;
});

after(async () => {
  await h?.close();
});

/** What a client puts in front of the model for one tool. */
const modelView = (tool: Tool) =>
  JSON.stringify({ name: tool.name, description: tool.description, inputSchema: tool.inputSchema });

describe("what the model reads of the tool list", () => {
  for (const [tokenizer, count] of [
    ["o200k", (text: string) => encode(text).length],
    ["Anthropic's tokenizer", countTokens],
  ] as const) {
    it(`stays within ${contextGoals.modelTokensPerTool} tokens a tool and ${contextGoals.modelTokens} in all (${tokenizer})`, () => {
      assert.equal(tools.length, 26);
      const perTool = tools.map((tool) => ({ name: tool.name, tokens: count(modelView(tool)) }));
      const total = perTool.reduce((sum, tool) => sum + tool.tokens, 0);
      const costliest = [...perTool].sort((a, b) => b.tokens - a.tokens).slice(0, 3);
      const detail = costliest.map((tool) => `${tool.name} ${tool.tokens}`).join(", ");
      assert.ok(total <= contextGoals.modelTokens, `${total} tokens in all; costliest: ${detail}`);
      assert.ok(
        total / tools.length <= contextGoals.modelTokensPerTool,
        `${(total / tools.length).toFixed(1)} a tool; costliest: ${detail}`,
      );
    });
  }
});
