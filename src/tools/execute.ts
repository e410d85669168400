import { fillPath, parseRoute } from "../client/route.js";
import type { ProviderId } from "../providers/types.js";
import type { Operation, RequestParts, ToolContext } from "./operation.js";

/** Query values as the documents write them: lists comma-separated. */
function toQuery(fields: Record<string, unknown>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    query[key] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return query;
}

/**
 * The one executor: fills the route's `{var}` segments from the input and sends the remaining fields as
 * query (GET, DELETE) or JSON body (POST, PATCH, PUT). No operation has request code of its own.
 */
export async function runOperation(
  operation: Operation,
  input: Record<string, unknown>,
  context: ToolContext,
) {
  if (operation.run) return operation.run(input, context);
  if (!operation.route) throw new Error(`operation ${operation.name} has neither route nor run`);
  const { method, template, variables } = parseRoute(operation.route);
  const path = fillPath(template, input);
  let parts: RequestParts;
  if (operation.request) {
    parts = operation.request(input);
  } else {
    const rest = Object.fromEntries(
      Object.entries(input).filter(([key, value]) => !variables.includes(key) && value !== undefined),
    );
    parts = method === "GET" || method === "DELETE" ? { query: toQuery(rest) } : { body: rest };
  }
  const data = await context.client(operation.toolset as ProviderId).send({
    method,
    path,
    ...(parts.query ? { query: parts.query } : {}),
    ...(parts.body === undefined ? {} : { json: parts.body }),
    ...(operation.safeToRetry === undefined ? {} : { safe: operation.safeToRetry }),
    signal: context.signal,
  });
  return operation.toResult ? operation.toResult(data, input, context) : data;
}
