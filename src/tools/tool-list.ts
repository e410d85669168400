import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { ListToolsRequestSchema, type ListToolsResult, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { type ZodObject, z } from "zod";

type Schema = Record<string, unknown>;

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

/** A registered tool as listed: what `registerTool` was given, and its execution hints. */
export interface ListedTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: ZodObject;
  outputSchema?: ZodObject;
  annotations?: Tool["annotations"];
  execution?: Tool["execution"];
  _meta?: Tool["_meta"];
}

/**
 * A zod schema as the SDK lists it (draft-07, the input side of an input schema and the output side
 * of an output schema: @modelcontextprotocol/sdk `server/zod-json-schema-compat.js`), then compacted.
 */
function listedSchema(schema: ZodObject, io: "input" | "output") {
  return compactSchema(z.toJSONSchema(schema, { target: "draft-7", io })) as Tool["inputSchema"];
}

/** One tool as tools/list shows it, its fields in the order the SDK writes them. */
export function listedTool(tool: ListedTool): Tool {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: listedSchema(tool.inputSchema, "input"),
    annotations: tool.annotations,
    execution: tool.execution,
    _meta: tool._meta,
    ...(tool.outputSchema ? { outputSchema: listedSchema(tool.outputSchema, "output") } : {}),
  } as Tool;
}

/**
 * Answers tools/list with `listing` (made once per process: see `listTools`), through the SDK's public
 * request handler. The SDK converts every zod schema again on each tools/list, and stateless HTTP builds a
 * server for every request. Call after every tool is registered on `server` (registering one installs the
 * SDK's own handler, which this one replaces).
 */
export function serveToolList(server: McpServer, listing: ListToolsResult["tools"]): void {
  const answer = { tools: listing };
  server.server.setRequestHandler(ListToolsRequestSchema, () => answer);
}
