import type { z } from "zod";
import type { ProviderClient } from "../client/provider-client.js";
import type { Route } from "../client/route.js";
import type { RuntimeConfig } from "../config.js";
import type { ClientLog } from "../log.js";
import type { JobSource, ProviderId } from "../providers/types.js";

export type ToolsetId = ProviderId | "jobs";

/** All four hints, required: they tell clients the truth about each tool. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a running tool can reach. */
export interface ToolContext {
  /** Aborted when the client cancels the call (or the server shuts down). */
  signal: AbortSignal;
  /** When the call began, in ms since the epoch: a wait after a slow start still ends within the call's bound. */
  startedAt: number;
  config: RuntimeConfig;
  /** The configured provider's client; throws a clear "not configured" error otherwise. */
  client(provider: ProviderId): ProviderClient;
  /** How the provider's jobs are polled; throws when it has none. */
  jobSource(provider: ProviderId): JobSource;
  /** Sends notifications/progress when the client gave a progress token; otherwise does nothing. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** The client that made the call, for the log lines the call causes (see src/log.ts). */
  clientLog?: ClientLog;
}

/** How a validated input becomes a provider request, where the default (path variables from the input,
 * the rest as query for GET/DELETE or as JSON body otherwise) does not fit the document. */
export interface RequestParts {
  query?: Record<string, string>;
  body?: unknown;
}

/**
 * One provider operation, declared once as data. The registry turns it into an MCP tool; the generic
 * executor turns a `route` into a request. Only operations that are more than one request have `run`.
 */
export interface Operation<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: string;
  title: string;
  description: string;
  toolset: ToolsetId;
  /** The provider's document for this operation. */
  see?: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /**
   * The provider request, as the document writes it: an endpoint operation. A procedure (`run`) has none
   * and calls declared endpoints (see `sendEndpoint`) instead.
   */
  route?: Route;
  /** Whether a POST or PATCH may be repeated on a transient failure (it changes nothing twice). */
  safeToRetry?: boolean;
  request?: (input: z.output<I>) => RequestParts;
  /** Maps the provider's data to the tool's result; default: the data as is. */
  toResult?: (data: unknown, input: z.output<I>, context: ToolContext) => z.output<O> | Promise<z.output<O>>;
  /** The whole handler, for operations that are more than one request. */
  run?: (input: z.output<I>, context: ToolContext) => Promise<z.output<O>>;
  /** One line for a human, shown before the JSON. */
  summary: (result: z.output<O>) => string;
}

/** Declares an operation with its input and output types inferred. */
export function defineOperation<I extends z.ZodObject, O extends z.ZodObject>(
  operation: Operation<I, O>,
): Operation {
  return operation as unknown as Operation;
}
