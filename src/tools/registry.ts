import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type {
  CallToolResult,
  ListToolsResult,
  ServerNotification,
  ServerRequest,
} from "@modelcontextprotocol/sdk/types.js";
import { cancelledError, MediagateError } from "../errors.js";
import { routeLogs } from "../log.js";
import { toolMeta } from "../player/resource.js";
import type { ProviderId, ToolsetId } from "../types.js";
import { runOperation } from "./execute.js";
import type { Operation, ToolContext } from "./operation.js";
import { errorResult, successResult } from "./result.js";
import { listedTool, serveToolList } from "./tool-list.js";

export interface Selection {
  configured: ReadonlySet<ProviderId>;
  toolsets?: ReadonlySet<ToolsetId> | undefined;
  readOnly?: boolean;
}

/**
 * The tools to register. An unconfigured provider's tools are hidden, unless no provider is configured
 * at all: then every tool is listed and each call says which variable to set. `--toolsets` filters on the
 * operation's own toolset and `--read-only` on its own readOnlyHint: there is no second list to keep.
 */
export function selectOperations(operations: readonly Operation[], selection: Selection): Operation[] {
  const noneConfigured = selection.configured.size === 0;
  return operations.filter((operation) => {
    if (selection.toolsets && !selection.toolsets.has(operation.toolset)) return false;
    if (selection.readOnly && !operation.annotations.readOnlyHint) return false;
    if (noneConfigured || operation.toolset === "jobs") return true;
    return selection.configured.has(operation.toolset);
  });
}

export type ContextFactory = (extra: ToolCallExtra) => ToolContext;

/** The part of the SDK's request "extra" a tool call uses: its cancellation, progress token and notifications. */
export type ToolCallExtra = Pick<
  RequestHandlerExtra<ServerRequest, ServerNotification>,
  "signal" | "_meta" | "sendNotification"
>;

/**
 * Runs one operation as a tool call: the SDK has validated the input; errors become isError results.
 * What the call logs (a retry, a wait) also goes to the client that made it.
 */
export function callOperation(
  operation: Operation,
  args: Record<string, unknown>,
  context: ToolContext,
  secrets: readonly string[],
): Promise<CallToolResult> {
  routeLogs(context.signal, context.clientLog);
  return runCall(operation, args, context, secrets);
}

async function runCall(
  operation: Operation,
  args: Record<string, unknown>,
  context: ToolContext,
  secrets: readonly string[],
): Promise<CallToolResult> {
  try {
    const result = (await runOperation(operation, args, context)) as Record<string, unknown>;
    return successResult(result, operation.summary(result));
  } catch (error) {
    if (context.signal.aborted && !(error instanceof MediagateError)) {
      return errorResult(cancelledError(), secrets);
    }
    return errorResult(error, secrets);
  }
}

/** What agents see of an operation: the one place it is written, for plain and task-capable tools alike. */
export function toolDefinition(operation: Operation) {
  return {
    title: operation.title,
    description: operation.description,
    inputSchema: operation.input,
    outputSchema: operation.output,
    annotations: { title: operation.title, ...operation.annotations },
    ...toolMeta(operation),
  };
}

/** Registers the tools that start jobs as task-capable ones (see src/tasks); false for any other tool. */
export interface TaskRegistrar {
  register(server: McpServer, operation: Operation): boolean;
}

/** How tools that run as tasks say so in tools/list. */
export const taskExecution = { taskSupport: "optional" } as const;
/** What the SDK's registerTool gives every other tool (@modelcontextprotocol/sdk `server/mcp.js`). */
const plainExecution = { taskSupport: "forbidden" } as const;

/**
 * The tools/list answer for these operations, as the SDK would write it but with compact schemas: made
 * once, with the runtime. Task-capable tools are the job-starting ones (src/tasks registers exactly those).
 */
export function listTools(operations: readonly Operation[]): ListToolsResult["tools"] {
  return operations.map((operation) =>
    listedTool({
      name: operation.name,
      ...toolDefinition(operation),
      execution: operation.startsJob ? taskExecution : plainExecution,
    }),
  );
}

/** Registers operations as MCP tools: one generic handler for all of them; tools/list answers `listing`. */
export function registerOperations(
  server: McpServer,
  operations: readonly Operation[],
  listing: ListToolsResult["tools"],
  makeContext: ContextFactory,
  secrets: readonly string[],
  tasks?: TaskRegistrar,
): void {
  for (const operation of operations) {
    if (tasks?.register(server, operation)) continue;
    // Registered without its output schema, which tools/list still lists (see tool-list.ts): the SDK
    // would otherwise parse every result against it with zod again, the costliest step of a call
    // (bench/README.md). Results are built from the operation's own mapping, and the test suite checks
    // each tool's results against the listed schema (test/output-schemas.test.ts).
    const { outputSchema: _listedOnly, ...registered } = toolDefinition(operation);
    server.registerTool(operation.name, registered, (args: Record<string, unknown>, extra) =>
      callOperation(operation, args, makeContext(extra), secrets),
    );
  }
  serveToolList(server, listing);
}
