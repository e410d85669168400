import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { describeError } from "../errors.js";

/**
 * A tool result: structuredContent for clients that read it, and the same JSON as text (after one human
 * line) for clients that show the model only text content.
 */
export function successResult(structured: Record<string, unknown>, summary: string): CallToolResult {
  return {
    content: [{ type: "text", text: `${summary}\n${JSON.stringify(structured)}` }],
    structuredContent: structured,
  };
}

export function errorResult(error: unknown, secrets: readonly string[]): CallToolResult {
  return { content: [{ type: "text", text: describeError(error, secrets) }], isError: true };
}
