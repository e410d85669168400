import type { CallToolResult, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describeError } from "../errors.js";

/**
 * The JSON of a result's structuredContent, kept on the result made by `successResult`: its text block
 * already carries that JSON, so the stdio transport writes it as it is instead of serialising the object a
 * second time. A symbol key: JSON.stringify, and so every other reader of the result, leaves it out.
 */
const structuredJson = Symbol("mediagate.structuredJson");

type WithJson = CallToolResult & { [structuredJson]?: string };

/**
 * A tool result: structuredContent for clients that read it, and the same JSON as text (after one human
 * line) for clients that show the model only text content.
 */
export function successResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  const json = JSON.stringify(structured);
  const result: WithJson = {
    content: [{ type: "text", text: `${summary}\n${json}` }],
    structuredContent: structured,
  };
  result[structuredJson] = json;
  return result;
}

export function errorResult(error: unknown, secrets: readonly string[]): CallToolResult {
  return { content: [{ type: "text", text: describeError(error, secrets) }], isError: true };
}

/**
 * A JSON-RPC message as one line, as the SDK's `serializeMessage` writes it; the answer to a tool call
 * made by `successResult` reuses the JSON of its structuredContent.
 */
export function serializeLine(message: JSONRPCMessage): string {
  const result = "result" in message ? (message.result as WithJson) : undefined;
  const json = result?.[structuredJson];
  if (json === undefined || !("id" in message) || Object.keys(message).length !== 3) {
    return `${JSON.stringify(message)}\n`;
  }
  const { structuredContent: _written, ...rest } = result as WithJson;
  const others = JSON.stringify(rest);
  const resultJson =
    others === "{}" ? `{"structuredContent":${json}}` : `${others.slice(0, -1)},"structuredContent":${json}}`;
  return `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${resultJson}}\n`;
}
