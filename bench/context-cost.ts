import { countTokens as claudeTokens } from "@anthropic-ai/tokenizer";
import { encode } from "gpt-tokenizer";
import { startSandbox } from "../src/sandbox/index.js";
import { round } from "./stats.js";
import { StdioRpc } from "./stdio-rpc.js";
import { isMain, mediagate, reference, type Target } from "./targets.js";

export interface ToolCost {
  name: string;
  /** The whole tool definition as listed: name, title, description, schemas, annotations. */
  bytes: number;
  tokens: number;
  /** What clients put in front of the model: name, description and input schema. */
  modelTokens: number;
  /** The same two counts with Anthropic's tokenizer. */
  claude: { tokens: number; modelTokens: number };
}

/** One tokenizer's counts over a whole tool list. */
export interface TokenTotals {
  /** Tokens of the whole listed tools array. */
  payloadTokens: number;
  tokensPerTool: number;
  /** Tokens of name + description + inputSchema over all tools. */
  modelTokens: number;
  modelTokensPerTool: number;
}

export interface ServerContextCost {
  tools: number;
  /** The tools/list answer on the wire. */
  payloadBytes: number;
  /** Tokens of the whole listed tools array. */
  payloadTokens: number;
  tokensPerTool: number;
  /** Tokens of name + description + inputSchema over all tools. */
  modelTokens: number;
  modelTokensPerTool: number;
  /** The same totals with Anthropic's published tokenizer (`@anthropic-ai/tokenizer`). */
  claude: TokenTotals;
  /** The server's instructions, read once a session (o200k and Anthropic's tokenizer). */
  instructionsTokens: { o200k: number; claude: number };
  perTool: ToolCost[];
}

export interface ContextCostResult {
  /** gpt-tokenizer's default encoding (o200k_base, the GPT-4o family); `claude` figures use Anthropic's. */
  tokenizer: string;
  mediagate: ServerContextCost;
  reference: ServerContextCost;
}

interface ListedTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
}

const tokens = (value: unknown) => encode(JSON.stringify(value)).length;
const claude = (value: unknown) => claudeTokens(JSON.stringify(value));

/** What a client puts in front of the model for one tool. */
const modelView = (tool: ListedTool) => ({
  name: tool.name,
  description: tool.description,
  inputSchema: tool.inputSchema,
});

/** What `npm run bench` holds mediagate's tool list to, with either tokenizer. */
/** 150 a tool on average, for the 26 tools (the seeds' 18 and the 8 VideoDB workflow tools). */
export const contextGoals = { modelTokensPerTool: 150, modelTokens: 3900 } as const;

async function measure(target: Target): Promise<ServerContextCost> {
  const rpc = new StdioRpc(target);
  try {
    // The handshake StdioRpc.initialize makes, kept here for the instructions it answers with.
    const greeting = await rpc.request("initialize", {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "mediagate-bench", version: "1.0.0" },
    });
    if (greeting.error) throw new Error(`${target.name}: initialize failed: ${greeting.error.message}`);
    rpc.notify("notifications/initialized");
    const instructions = String(greeting.result?.instructions ?? "");
    const answer = await rpc.request("tools/list");
    if (answer.error) throw new Error(`${target.name}: tools/list failed: ${answer.error.message}`);
    const tools = (answer.result?.tools ?? []) as ListedTool[];
    const perTool = tools
      .map((tool) => ({
        name: tool.name,
        bytes: Buffer.byteLength(JSON.stringify(tool)),
        tokens: tokens(tool),
        modelTokens: tokens(modelView(tool)),
        claude: { tokens: claude(tool), modelTokens: claude(modelView(tool)) },
      }))
      .sort((a, b) => b.tokens - a.tokens);
    const payloadTokens = tokens(tools);
    const modelTokens = perTool.reduce((total, tool) => total + tool.modelTokens, 0);
    const claudePayload = claude(tools);
    const claudeModel = perTool.reduce((total, tool) => total + tool.claude.modelTokens, 0);
    return {
      tools: tools.length,
      payloadBytes: answer.bytes,
      payloadTokens,
      tokensPerTool: round(payloadTokens / tools.length),
      modelTokens,
      modelTokensPerTool: round(modelTokens / tools.length),
      claude: {
        payloadTokens: claudePayload,
        tokensPerTool: round(claudePayload / tools.length),
        modelTokens: claudeModel,
        modelTokensPerTool: round(claudeModel / tools.length),
      },
      instructionsTokens: {
        o200k: instructions ? encode(instructions).length : 0,
        claude: instructions ? claudeTokens(instructions) : 0,
      },
      perTool,
    };
  } finally {
    await rpc.close();
  }
}

/** The tools/list payload of mediagate (every provider configured) and of the reference, in bytes and tokens. */
export async function runContextCost(): Promise<ContextCostResult> {
  const sandbox = await startSandbox();
  try {
    return {
      tokenizer: "gpt-tokenizer o200k_base; claude: @anthropic-ai/tokenizer",
      mediagate: await measure(mediagate(sandbox.env())),
      reference: await measure(reference()),
    };
  } finally {
    await sandbox.close();
  }
}

/** Whether a server's model-visible tokens meet the goals with both tokenizers. */
export function meetsContextGoals(cost: ServerContextCost): boolean {
  return [cost, cost.claude].every(
    (counts) =>
      counts.modelTokensPerTool <= contextGoals.modelTokensPerTool &&
      counts.modelTokens <= contextGoals.modelTokens,
  );
}

if (isMain(import.meta.url)) {
  const result = await runContextCost();
  console.log(`tokenizers: o200k (gpt-tokenizer) | claude (@anthropic-ai/tokenizer)`);
  for (const key of ["mediagate", "reference"] as const) {
    const cost = result[key];
    const c = cost.claude;
    console.log(
      `${key}: ${cost.tools} tools; model-visible (name, description, inputSchema) ${cost.modelTokens} | ${c.modelTokens} tokens (${cost.modelTokensPerTool} | ${c.modelTokensPerTool}/tool); whole tools/list ${cost.payloadBytes} bytes, ${cost.payloadTokens} | ${c.payloadTokens} tokens (${cost.tokensPerTool} | ${c.tokensPerTool}/tool)`,
    );
    console.log(
      `  instructions (read once a session): ${cost.instructionsTokens.o200k} | ${cost.instructionsTokens.claude} tokens`,
    );
    if (key === "mediagate") {
      console.log(
        `  goal: at most ${contextGoals.modelTokensPerTool}/tool and ${contextGoals.modelTokens} in all, with both tokenizers: ${meetsContextGoals(cost) ? "met" : "NOT met"}`,
      );
    }
    console.log(
      `  ${"tool".padEnd(32)} ${"model o200k | claude".padStart(21)}  ${"whole o200k | claude".padStart(21)}  bytes`,
    );
    for (const tool of [...cost.perTool].sort((a, b) => b.claude.modelTokens - a.claude.modelTokens)) {
      console.log(
        `  ${tool.name.padEnd(32)} ${`${tool.modelTokens} | ${tool.claude.modelTokens}`.padStart(21)}  ${`${tool.tokens} | ${tool.claude.tokens}`.padStart(21)}  ${String(tool.bytes).padStart(6)}`,
      );
    }
  }
}
