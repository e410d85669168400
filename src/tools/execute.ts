import { fillPath, parseRoute } from "../client/route.js";
import type { HttpMethod } from "../types.js";
import type { Endpoint, Operation, RequestParts, ToolContext } from "./operation.js";

/** Query values as the documents write them: lists comma-separated. */
function toQuery(fields: Record<string, unknown>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    query[key] = Array.isArray(value) ? value.join(",") : String(value);
  }
  return query;
}

const inQuery = (method: HttpMethod) => method === "GET" || method === "DELETE";

export interface SendOptions {
  /** The latest moment (ms since the epoch) the request may still run: several requests share a budget. */
  deadline?: number;
}

/** The request parts of an endpoint for this input: its own mapping, or the default one; fixed fields first. */
function requestParts<I>(
  endpoint: Endpoint<I>,
  method: HttpMethod,
  variables: string[],
  input: I,
): RequestParts {
  let parts: RequestParts;
  if (endpoint.request) {
    parts = endpoint.request(input);
  } else {
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
      if (value === undefined || variables.includes(key) || endpoint.local?.includes(key)) continue;
      rest[key] = value;
    }
    parts = inQuery(method) ? { query: toQuery(rest) } : { body: rest };
  }
  const fixed = endpoint.fixed;
  if (!fixed) return parts;
  return inQuery(method)
    ? { ...parts, query: { ...toQuery(fixed), ...parts.query } }
    : { ...parts, body: { ...fixed, ...(parts.body as Record<string, unknown> | undefined) } };
}

/**
 * Sends one declared endpoint for this input and returns the provider's data: the route's `{var}`
 * segments filled from the input, the rest as query (GET, DELETE) or JSON body (POST, PATCH, PUT).
 */
export async function sendEndpoint<I>(
  endpoint: Endpoint<I>,
  input: I,
  context: ToolContext,
  options: SendOptions = {},
): Promise<unknown> {
  const { method, template, variables } = parseRoute(endpoint.route);
  const path = fillPath(template, input as Record<string, unknown>);
  const parts = requestParts(endpoint, method, variables, input);
  return context.client(endpoint.provider).send({
    method,
    path,
    ...(parts.query ? { query: parts.query } : {}),
    ...(parts.body === undefined ? {} : { json: parts.body }),
    ...(parts.stream ? { stream: parts.stream } : {}),
    ...(parts.headers ? { headers: parts.headers } : {}),
    ...(endpoint.safeToRetry === undefined ? {} : { safe: endpoint.safeToRetry }),
    ...(endpoint.timeoutMs === undefined ? {} : { timeoutMs: endpoint.timeoutMs }),
    ...(endpoint.envelope === false ? { envelope: false } : {}),
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
    signal: context.signal,
  });
}

/**
 * The one executor: an endpoint is its request sent by `sendEndpoint` and its answer mapped by
 * `toResult`; a procedure calls declared endpoints itself.
 */
export async function runOperation(
  operation: Operation,
  input: Record<string, unknown>,
  context: ToolContext,
): Promise<unknown> {
  if (operation.kind === "procedure") return operation.run(input, context);
  const data = await sendEndpoint(operation, input, context);
  return operation.toResult ? operation.toResult(data, input, context) : data;
}
