import { runOperation } from "../tools/execute.js";
import type { Operation, ToolContext } from "../tools/operation.js";
import type { Job } from "./job.js";

/**
 * Scalar result fields besides `job` (e.g. `audio_id`), carried in a task id so that a process that never
 * saw the call can still rebuild its result.
 */
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

const jobToolKey = Symbol("mediagate.jobTool");
type WithJobTool = Operation & { [jobToolKey]?: JobTool };

/** Gives an operation its own way to start as a task (one whose start is more than one request). */
export function withJobTool(operation: Operation, tool: JobTool): Operation {
  return Object.assign(operation, { [jobToolKey]: tool });
}

/** Whether the operation starts a job: it takes `wait_s` and answers with a `job`. */
export function startsJob(operation: Operation): boolean {
  return "wait_s" in operation.input.shape && "job" in operation.output.shape;
}

function scalarFields(result: Record<string, unknown>): CarriedFields {
  const carried: CarriedFields = {};
  for (const [key, value] of Object.entries(result)) {
    if (key === "job") continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
      carried[key] = value;
    }
  }
  return carried;
}

/**
 * The operation's job tool: its own, or by default the operation itself run with `wait_s: 0`, which
 * answers as soon as the provider has accepted the job.
 */
export function jobToolOf(operation: Operation): JobTool | undefined {
  const own = (operation as WithJobTool)[jobToolKey];
  if (own) return own;
  if (!startsJob(operation)) return undefined;
  return {
    async start(input, context) {
      const result = (await runOperation(operation, { ...input, wait_s: 0 }, context)) as Record<
        string,
        unknown
      >;
      return { job: result.job as Job, carried: scalarFields(result) };
    },
  };
}

/** The result a job tool gives for a job as it stands. */
export function jobToolResult(
  tool: JobTool,
  job: Job,
  carried: CarriedFields,
  context: ToolContext,
): Promise<Record<string, unknown>> {
  return tool.result ? tool.result(job, carried, context) : Promise.resolve({ ...carried, job });
}
