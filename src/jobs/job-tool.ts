import { runOperation } from "../tools/execute.js";
import type { CarriedFields, JobTool, Operation, ToolContext } from "../tools/operation.js";
import type { Job } from "./job.js";

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
 * The job tool of an operation that declares `startsJob`: its own, or by default the operation itself
 * run with `wait_s: 0`, which answers as soon as the provider has accepted the job.
 */
export function jobToolOf(operation: Operation): JobTool | undefined {
  if (!operation.startsJob) return undefined;
  if (operation.startsJob !== true) return operation.startsJob;
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
