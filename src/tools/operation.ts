import type { z } from "zod";
import type { ProviderClient } from "../client/provider-client.js";
import type { Job } from "../jobs/job.js";
import type { ClientLog } from "../log.js";
import type { ProviderId, Route, RuntimeConfig, StreamBody, ToolsetId } from "../types.js";

/** All four hints, required: they tell clients the truth about each tool. */
export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** How a provider's asynchronous work is polled, given only the remote id carried in the job id. */
export interface JobSource {
  kind: string;
  poll(remoteId: string, context: ToolContext): Promise<Job>;
  /** Shortest interval between two polls the provider allows, in ms. */
  minPollIntervalMs: number;
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
  /** A streamed body (an upload part), opened anew for each attempt. */
  stream?: StreamBody;
  headers?: Record<string, string>;
}

/**
 * One provider request declared as data: an endpoint operation's own, or one a procedure calls. The one
 * executor (`sendEndpoint`) fills the route's `{var}` segments from the input and sends the remaining
 * fields, less the local ones, as query (GET, DELETE) or JSON body, after the fixed ones.
 */
export interface Endpoint<I = Record<string, unknown>> {
  provider: ProviderId;
  /** The provider request, as the document writes it. */
  route: Route;
  /** Wire fields every request carries whatever the input, e.g. AIOZ's `type: "audio"`. */
  fixed?: Readonly<Record<string, string | number | boolean>>;
  /** Input fields that stay in mediagate and never go on the wire, e.g. `wait_s`. */
  local?: readonly string[];
  /** Whether a POST or PATCH may be repeated on a transient failure (it changes nothing twice). */
  safeToRetry?: boolean;
  /** Per-attempt time limit in ms, where the request is long by nature (an upload part); default the client's. */
  timeoutMs?: number;
  /** False to get a successful answer whole, envelope included (a job's status lives there). */
  envelope?: false;
  /** Maps the input to the request where the default does not fit the document. */
  request?: (input: I) => RequestParts;
}

/** Scalar result fields besides `job` (e.g. `audio_id`), carried in a task id so that a process that never
 * saw the call can still rebuild its result. */
export type CarriedFields = Record<string, string | number | boolean>;

/** A tool call that has got as far as naming its job. */
export interface StartedJob {
  job: Job;
  carried: CarriedFields;
  /**
   * Work this process must still do before the provider runs the job (sending upload parts); it ends
   * with the job as it then stands, or throws. Absent when the provider already has everything.
   */
  rest?: (context: ToolContext) => Promise<Job>;
}

/** How a tool that starts a job runs as an MCP task: a quick start, then its result once the job is over. */
export interface JobTool {
  start(input: Record<string, unknown>, context: ToolContext): Promise<StartedJob>;
  /** The tool's result for the job as it stands. Default: the carried fields and the job. */
  result?(job: Job, carried: CarriedFields, context: ToolContext): Promise<Record<string, unknown>>;
}

/** What every operation has, whichever its shape: what agents see, and how a result reads. */
interface OperationBase<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** The provider's document for this operation. */
  see?: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /**
   * The tool starts a provider job (it takes `wait_s` and answers with a `job`), so it can also run as an
   * MCP task. `true`: the tool run with `wait_s: 0` answers as soon as the provider has the job; a
   * `JobTool` where starting is more than that (an upload's parts follow in the background).
   */
  startsJob?: true | JobTool;
  /** The result (or the job's result) is media the player view shows. */
  ui?: "player";
  /** What media the result carries, so the view need not guess from its shape. */
  media?: "video" | "audio" | "image";
  /** One line for a human, shown before the JSON. */
  summary: (result: z.output<O>) => string;
}

/** One provider request: its route and wire rules as data, and how its answer maps to the result. */
export interface EndpointOperation<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject>
  extends OperationBase<I, O>,
    Endpoint<z.output<I>> {
  kind: "endpoint";
  /** An endpoint is always one provider's. */
  toolset: ProviderId;
  /** Maps the provider's data to the tool's result; default: the data as is. */
  toResult?: (data: unknown, input: z.output<I>, context: ToolContext) => z.output<O> | Promise<z.output<O>>;
}

/** More than one request: `run` calls declared endpoints (`sendEndpoint`), never rebuilding their requests. */
export interface ProcedureOperation<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject>
  extends OperationBase<I, O> {
  kind: "procedure";
  toolset: ToolsetId;
  run: (input: z.output<I>, context: ToolContext) => Promise<z.output<O>>;
}

/**
 * One operation, declared once as data: an endpoint or a procedure. The registry turns it into an MCP
 * tool; the one executor (`runOperation`) runs either.
 */
export type Operation = EndpointOperation | ProcedureOperation;

/** Declares an endpoint operation with its input and output types inferred. */
export function defineEndpoint<I extends z.ZodObject, O extends z.ZodObject>(
  declaration: Omit<EndpointOperation<I, O>, "kind" | "provider">,
): EndpointOperation {
  return { ...declaration, kind: "endpoint", provider: declaration.toolset } as unknown as EndpointOperation;
}

/** Declares a procedure with its input and output types inferred. */
export function defineProcedure<I extends z.ZodObject, O extends z.ZodObject>(
  declaration: Omit<ProcedureOperation<I, O>, "kind">,
): ProcedureOperation {
  return { ...declaration, kind: "procedure" } as unknown as ProcedureOperation;
}
