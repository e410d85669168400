import { fillPath, parseRoute, type Route } from "../client/route.js";
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

/** One provider request declared as data: an operation's own route, or one a procedure (`run`) calls. */
export interface Endpoint {
  provider: ProviderId;
  route: Route;
  /** Whether a POST or PATCH may be repeated on a transient failure (it changes nothing twice). */
  safeToRetry?: boolean;
  request?: (input: Record<string, unknown>) => RequestParts;
}

export interface SendOptions {
  /** The latest moment (ms since the epoch) the request may still run: several requests share a budget. */
  deadline?: number;
}

/**
 * Fills the route's `{var}` segments from the input and sends the remaining fields as query (GET, DELETE)
 * or JSON body (POST, PATCH, PUT), unless the endpoint maps its request itself. Returns the provider's data.
 */
export async function sendEndpoint(
  endpoint: Endpoint,
  input: Record<string, unknown>,
  context: ToolContext,
  options: SendOptions = {},
): Promise<unknown> {
  const { method, template, variables } = parseRoute(endpoint.route);
  const path = fillPath(template, input);
  let parts: RequestParts;
  if (endpoint.request) {
    parts = endpoint.request(input);
  } else {
    const rest = Object.fromEntries(
      Object.entries(input).filter(([key, value]) => !variables.includes(key) && value !== undefined),
    );
    parts = method === "GET" || method === "DELETE" ? { query: toQuery(rest) } : { body: rest };
  }
  return context.client(endpoint.provider).send({
    method,
    path,
    ...(parts.query ? { query: parts.query } : {}),
    ...(parts.body === undefined ? {} : { json: parts.body }),
    ...(endpoint.safeToRetry === undefined ? {} : { safe: endpoint.safeToRetry }),
    ...(options.deadline === undefined ? {} : { deadline: options.deadline }),
    signal: context.signal,
  });
}

/**
 * The one executor: an endpoint operation is its route sent by `sendEndpoint`, its answer mapped by
 * `toResult`; a procedure (`run`) calls declared endpoints itself. No operation has request code of its own.
 */
export async function runOperation(
  operation: Operation,
  input: Record<string, unknown>,
  context: ToolContext,
) {
  if (operation.run) return operation.run(input, context);
  if (!operation.route) throw new Error(`operation ${operation.name} has neither route nor run`);
  const data = await sendEndpoint(
    {
      provider: operation.toolset as ProviderId,
      route: operation.route,
      ...(operation.safeToRetry === undefined ? {} : { safeToRetry: operation.safeToRetry }),
      ...(operation.request ? { request: operation.request as Endpoint["request"] } : {}),
    },
    input,
    context,
  );
  return operation.toResult ? operation.toResult(data, input, context) : data;
}
