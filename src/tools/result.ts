import type { CallToolResult, JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { describeError } from "../errors.js";

/**
 * The JSON of each structuredContent made by `successResult`, keyed by that very object: its text block
 * already carries the JSON, so the stdio transport writes it as it is instead of serialising the object a
 * second time. Keyed by the object, not carried on the result: a result copied with another
 * structuredContent (`{...result, structuredContent}`) finds nothing and is serialised afresh.
 */
const structuredJson = new WeakMap<object, string>();

/**
 * A tool result: structuredContent for clients that read it, and the same JSON as text (after one human
 * line) for clients that show the model only text content.
 */
export function successResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  const json = JSON.stringify(structured);
  structuredJson.set(structured, json);
  return { content: [{ type: "text", text: `${summary}\n${json}` }], structuredContent: structured };
}

export function errorResult(error: unknown, secrets: readonly string[]): CallToolResult {
  return { content: [{ type: "text", text: describeError(error, secrets) }], isError: true };
}

/**
 * A JSON-RPC message as one line, as the SDK's `serializeMessage` writes it; the answer to a tool call
 * made by `successResult` reuses the JSON of its structuredContent. The structuredContent must not be
 * changed after `successResult` made it (nothing does: the result is handed straight to the SDK).
 */
export function serializeLine(message: JSONRPCMessage): string {
  const result = "result" in message ? (message.result as CallToolResult) : undefined;
  const structured = result?.structuredContent;
  const json = structured === undefined ? undefined : structuredJson.get(structured);
  if (json === undefined || !("id" in message) || Object.keys(message).length !== 3) {
    return `${JSON.stringify(message)}\n`;
  }
  const { structuredContent: _written, ...rest } = result as CallToolResult;
  const others = JSON.stringify(rest);
  const resultJson =
    others === "{}" ? `{"structuredContent":${json}}` : `${others.slice(0, -1)},"structuredContent":${json}}`;
  return `{"jsonrpc":"2.0","id":${JSON.stringify(message.id)},"result":${resultJson}}\n`;
}
