import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { MediagateError } from "../client/errors.js";
import { jobOperations } from "../jobs/operations.js";
import { type ClientLogLevel, withClientLog } from "../log.js";
import { providers } from "../providers/index.js";
import type { ProviderId } from "../providers/types.js";
import { runOperation } from "./execute.js";
import type { Operation, ToolContext, ToolsetId } from "./operation.js";
import { errorResult, successResult } from "./result.js";
import { serveToolList } from "./tool-list.js";

/** Every operation mediagate has, in the order tools are listed. */
export const allOperations: readonly Operation[] = [
  ...providers.flatMap((provider) => provider.operations),
  ...jobOperations,
];

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
export function selectOperations(selection: Selection): Operation[] {
  const noneConfigured = selection.configured.size === 0;
  return allOperations.filter((operation) => {
    if (selection.toolsets && !selection.toolsets.has(operation.toolset)) return false;
    if (selection.readOnly && !operation.annotations.readOnlyHint) return false;
    if (noneConfigured || operation.toolset === "jobs") return true;
    return selection.configured.has(operation.toolset as ProviderId);
  });
}

export type ContextFactory = (extra: ToolCallExtra) => ToolContext;

/** The part of the SDK's request "extra" a tool call uses. */
export interface ToolCallExtra {
  signal: AbortSignal;
  _meta?: { progressToken?: string | number } & Record<string, unknown>;
  sendNotification: (
    notification:
      | {
          method: "notifications/progress";
          params: { progressToken: string | number; progress: number; total?: number; message?: string };
        }
      | {
          method: "notifications/message";
          params: { level: ClientLogLevel; logger: string; data: Record<string, unknown> };
        },
  ) => Promise<void>;
}

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
  return withClientLog(context.clientLog, () => runCall(operation, args, context, secrets));
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
      return errorResult(new MediagateError("cancelled", "Cancelled by the client."), secrets);
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
  };
}

/** Registers the tools that start jobs as task-capable ones (see src/tasks); false for any other tool. */
export interface TaskRegistrar {
  register(server: McpServer, operation: Operation): boolean;
}

/** Registers operations as MCP tools: one generic handler for all of them. */
export function registerOperations(
  server: McpServer,
  operations: readonly Operation[],
  makeContext: ContextFactory,
  secrets: readonly string[],
  tasks?: TaskRegistrar,
): void {
  for (const operation of operations) {
    if (tasks?.register(server, operation)) continue;
    // Registered without its output schema, which tools/list still lists (see tool-list.ts): the SDK
    // would otherwise parse every result against it with zod again, the costliest step of a call (about
    // 18 µs of its CPU in profiles). Results are built from the operation's own mapping, and the test
    // suite checks each tool's results against the listed schema (test/output-schemas.test.ts).
    const { outputSchema: _listedOnly, ...definition } = toolDefinition(operation);
    server.registerTool(operation.name, definition, (args: Record<string, unknown>, extra) =>
      callOperation(operation, args, makeContext(extra as unknown as ToolCallExtra), secrets),
    );
  }
  serveToolList(server, operations);
}

export function unconfiguredError(provider: ProviderId): MediagateError {
  const known = providers.find((candidate) => candidate.id === provider);
  const name = known?.name ?? provider;
  return new MediagateError(
    "unconfigured",
    `${name} is not configured: set ${known?.credentialVariables ?? "its credentials"} in the server's environment, or start mediagate with --sandbox to try every tool locally.`,
  );
}
