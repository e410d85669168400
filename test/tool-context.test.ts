import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { countTokens } from "@anthropic-ai/tokenizer";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { encode } from "gpt-tokenizer";
import { contextGoals } from "../bench/context-cost.js";
import { allOperations } from "../src/catalog.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";

let h: InProcessHarness;
let tools: Tool[];
let instructions: string;

before(async () => {
  h = await startInProcess();
  tools = (await h.client.listTools()).tools;
  instructions = h.client.getInstructions() ?? "";
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
    it(`stays within ${contextGoals.modelTokensPerTool} tokens a tool on average, ${contextGoals.modelTokensLargestTool} for any one tool (${tokenizer})`, () => {
      assert.equal(tools.length, allOperations.length, "every tool of the catalog is listed");
      const perTool = tools.map((tool) => ({ name: tool.name, tokens: count(modelView(tool)) }));
      const total = perTool.reduce((sum, tool) => sum + tool.tokens, 0);
      const costliest = [...perTool].sort((a, b) => b.tokens - a.tokens).slice(0, 3);
      const detail = costliest.map((tool) => `${tool.name} ${tool.tokens}`).join(", ");
      assert.ok(
        total / tools.length <= contextGoals.modelTokensPerTool,
        `${(total / tools.length).toFixed(1)} a tool; costliest: ${detail}`,
      );
      const [largest] = costliest;
      assert.ok(largest && largest.tokens <= contextGoals.modelTokensLargestTool, `largest: ${detail}`);
    });

    it(`keeps the server instructions within ${contextGoals.instructionsTokens} tokens (${tokenizer})`, () => {
      assert.ok(instructions.length > 0, "the server sends instructions");
      const tokens = count(instructions);
      assert.ok(tokens <= contextGoals.instructionsTokens, `instructions: ${tokens} tokens`);
    });
  }
});
