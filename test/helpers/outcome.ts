import assert from "node:assert/strict";
import type { RecordedRequest } from "../../src/sandbox/index.js";
import type { ToolOutcome } from "./harness.js";

/**
 * The JSON a result's text carries after its one-line summary. Clients that show the model only text
 * content must still see every id and URL, so it must equal the structured content.
 */
export function jsonOfText(outcome: ToolOutcome): unknown {
  const start = outcome.text.indexOf("\n{");
  assert.ok(start >= 0, `no JSON after the summary line in: ${outcome.text}`);
  return JSON.parse(outcome.text.slice(start + 1));
}

/** A successful outcome: not an error, with structured content that the text repeats. */
export function succeeded(outcome: ToolOutcome): Record<string, unknown> {
  assert.equal(outcome.isError, false, `expected success, got: ${outcome.text}`);
  assert.ok(outcome.structured, "structuredContent is missing");
  assert.deepEqual(jsonOfText(outcome), outcome.structured);
  const summary = outcome.text.slice(0, outcome.text.indexOf("\n"));
  assert.ok(summary.trim().length > 0, "the text starts with a one-line summary");
  return outcome.structured;
}

/** An isError outcome whose text matches every pattern. */
export function failed(outcome: ToolOutcome, ...patterns: RegExp[]): string {
  assert.equal(outcome.isError, true, `expected an error, got: ${outcome.text}`);
  for (const pattern of patterns) assert.match(outcome.text, pattern);
  return outcome.text;
}

/** The one request an emulator received since it was last cleared. */
export function onlyRequest(requests: readonly RecordedRequest[]): RecordedRequest {
  assert.equal(
    requests.length,
    1,
    `expected one request, got ${requests.map((r) => `${r.method} ${r.path}`).join(", ")}`,
  );
  return requests[0] as RecordedRequest;
}

/** "METHOD /path" of each request, for asserting a sequence. */
export function routesOf(requests: readonly RecordedRequest[]): string[] {
  return requests.map((request) => `${request.method} ${request.path}`);
}
