import { z } from "zod";
import { defineProcedure, type Operation } from "../tools/operation.js";
import { describeJob, jobSchema } from "./job.js";
import { maxWaitSeconds, pollJob, waitWithin } from "./wait.js";

const jobIdField = z.string().min(3).describe('Job id a tool returned, e.g. "videodb:job-123"');

const jobStatus = defineProcedure({
  name: "job_status",
  ui: "player",
  title: "Check a job",
  description: "A job's current state.",
  toolset: "jobs",
  input: z.object({ job_id: jobIdField }),
  output: z.object({ job: jobSchema }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  run: async (input, context) => ({ job: await pollJob(input.job_id, context) }),
  summary: (result) => describeJob(result.job),
});

const jobWait = defineProcedure({
  name: "job_wait",
  ui: "player",
  title: "Wait for a job",
  description:
    "Wait until a job is done or failed, up to timeout_s. If still processing, call again after poll_after_ms.",
  toolset: "jobs",
  input: z.object({
    job_id: jobIdField,
    timeout_s: z
      .number()
      .min(1)
      .max(maxWaitSeconds)
      .default(30)
      .describe(`Seconds, 1-${maxWaitSeconds}; default 30`),
  }),
  output: z.object({ job: jobSchema }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  run: async (input, context) => {
    const job = await pollJob(input.job_id, context);
    return { job: await waitWithin(job, input.timeout_s, context) };
  },
  summary: (result) => describeJob(result.job),
});

export const jobOperations: Operation[] = [jobStatus, jobWait];
