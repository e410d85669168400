import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type ListToolsResult } from "@modelcontextprotocol/sdk/types.js";
import type { Operation } from "./operation.js";
import { outputJsonSchema } from "./output-schema.js";

type Schema = Record<string, unknown>;
type ListHandler = (request: unknown, extra: unknown) => Promise<ListToolsResult>;

const schemaMaps = new Set(["properties", "patternProperties", "$defs", "definitions"]);
const schemaLists = new Set(["anyOf", "oneOf", "allOf", "prefixItems"]);
const subschemas = new Set(["items", "additionalProperties", "not", "propertyNames", "contains"]);

const isPlainStringSchema = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  Object.keys(value).length === 1 &&
  (value as Schema).type === "string";

/**
 * The JSON Schema zod writes, less what tells a client nothing yet costs context in every session: the
 * draft-07 `$schema` tag (MCP reads schemas without one), the ±2^53-1 bounds of every integer, and
 * `propertyNames: {type: "string"}` (JSON keys are strings). Only schema positions are visited, so a
 * property that happens to be named like a keyword is kept.
 */
export function compactSchema(schema: unknown, root = true): unknown {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return schema;
  const compact: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (root && key === "$schema") continue;
    if (key === "maximum" && value === Number.MAX_SAFE_INTEGER) continue;
    if (key === "minimum" && value === Number.MIN_SAFE_INTEGER) continue;
    if (key === "propertyNames" && isPlainStringSchema(value)) continue;
    if (schemaMaps.has(key) && typeof value === "object" && value !== null) {
      compact[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, compactSchema(child, false)]),
      );
    } else if (schemaLists.has(key) && Array.isArray(value)) {
      compact[key] = value.map((child) => compactSchema(child, false));
    } else if (subschemas.has(key)) {
      compact[key] = compactSchema(value, false);
    } else {
      compact[key] = value;
    }
  }
  return compact;
}

/** Listings by operation list: the same tools give the same listing for the life of the process. */
const listings = new WeakMap<readonly Operation[], ListToolsResult["tools"]>();

/**
 * Answers tools/list from a listing made once per process, with compact schemas. The SDK converts every
 * zod schema again on each tools/list, and stateless HTTP builds a server for every request; the first
 * listing is still the SDK's own, so names, annotations and execution hints stay exactly as registered.
 * Call after every tool of `operations` is registered on `server`.
 */
export function serveToolList(server: McpServer, operations: readonly Operation[]): void {
  const handlers = (server.server as unknown as { _requestHandlers?: Map<string, ListHandler> })
    ._requestHandlers;
  const sdkList = handlers?.get("tools/list");
  // Another SDK layout: its own handler stays, uncached and uncompacted, which is still correct.
  if (!sdkList) return;
  server.server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    let tools = listings.get(operations);
    if (!tools) {
      tools = (await sdkList(request, extra)).tools.map((tool) => ({
        ...tool,
        inputSchema: compactSchema(tool.inputSchema) as typeof tool.inputSchema,
        ...(tool.outputSchema
          ? { outputSchema: compactSchema(tool.outputSchema) as typeof tool.outputSchema }
          : {
              outputSchema: compactSchema(
                outputJsonSchema(operations, tool.name),
              ) as typeof tool.outputSchema,
            }),
      }));
      listings.set(operations, tools);
    }
    return { tools };
  });
}
