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
  perTool: ToolCost[];
}

export interface ContextCostResult {
  /** gpt-tokenizer's default encoding (o200k_base, the GPT-4o family). */
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

async function measure(target: Target): Promise<ServerContextCost> {
  const rpc = new StdioRpc(target);
  try {
    await rpc.initialize();
    const answer = await rpc.request("tools/list");
    if (answer.error) throw new Error(`${target.name}: tools/list failed: ${answer.error.message}`);
    const tools = (answer.result?.tools ?? []) as ListedTool[];
    const perTool = tools
      .map((tool) => ({
        name: tool.name,
        bytes: Buffer.byteLength(JSON.stringify(tool)),
        tokens: tokens(tool),
        modelTokens: tokens({
          name: tool.name,
          description: tool.description,
          inputSchema: tool.inputSchema,
        }),
      }))
      .sort((a, b) => b.tokens - a.tokens);
    const payloadTokens = tokens(tools);
    const modelTokens = perTool.reduce((total, tool) => total + tool.modelTokens, 0);
    return {
      tools: tools.length,
      payloadBytes: answer.bytes,
      payloadTokens,
      tokensPerTool: round(payloadTokens / tools.length),
      modelTokens,
      modelTokensPerTool: round(modelTokens / tools.length),
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
      tokenizer: "gpt-tokenizer o200k_base",
      mediagate: await measure(mediagate(sandbox.env())),
      reference: await measure(reference()),
    };
  } finally {
    await sandbox.close();
  }
}

if (isMain(import.meta.url)) {
  const result = await runContextCost();
  for (const key of ["mediagate", "reference"] as const) {
    const cost = result[key];
    console.log(
      `${key}: ${cost.tools} tools, ${cost.payloadBytes} bytes, ${cost.payloadTokens} tokens (${cost.tokensPerTool}/tool); model-visible ${cost.modelTokens} tokens (${cost.modelTokensPerTool}/tool)`,
    );
    for (const tool of cost.perTool) {
      console.log(
        `  ${tool.name.padEnd(32)} ${String(tool.tokens).padStart(5)} tokens  ${String(tool.modelTokens).padStart(5)} model  ${String(tool.bytes).padStart(6)} bytes`,
      );
    }
  }
}
