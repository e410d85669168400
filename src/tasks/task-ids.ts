/**
 * Task ids. A job task's id is its job: it carries the tool, the job id and the few scalar result fields
 * a result is rebuilt from, so any process answers for it by polling the provider; there is no task
 * database. A task known to this process alone has a random id.
 */
import { randomUUID } from "node:crypto";
import { parseJobId } from "../jobs/job.js";
import type { CarriedFields } from "../tools/operation.js";

const jobTaskPrefix = "mgt1.";
const localTaskPrefix = "mgl.";
const maxTaskIdLength = 4096;

/** What a job task id carries. */
export interface JobTaskRef {
  tool: string;
  jobId: string;
  carried: CarriedFields;
  createdAt: number;
}

export function encodeRef(ref: JobTaskRef): string {
  const json = JSON.stringify({ t: ref.tool, j: ref.jobId, c: ref.carried, s: ref.createdAt });
  return jobTaskPrefix + Buffer.from(json, "utf8").toString("base64url");
}

/** Reads a job task id; anything malformed is simply not a task (the client gets "task not found"). */
export function decodeRef(taskId: string): JobTaskRef | undefined {
  if (!taskId.startsWith(jobTaskPrefix) || taskId.length > maxTaskIdLength) return undefined;
  try {
    const raw = JSON.parse(Buffer.from(taskId.slice(jobTaskPrefix.length), "base64url").toString("utf8"));
    const { t, j, c, s } = raw as { t: unknown; j: unknown; c: unknown; s: unknown };
    if (typeof t !== "string" || typeof j !== "string" || typeof s !== "number") return undefined;
    if (typeof c !== "object" || c === null || Array.isArray(c)) return undefined;
    const carried: CarriedFields = {};
    for (const [key, value] of Object.entries(c)) {
      if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
        return undefined;
      carried[key] = value;
    }
    parseJobId(j);
    return { tool: t, jobId: j, carried, createdAt: s };
  } catch {
    return undefined;
  }
}

/** The id of a task that exists in this process alone. */
export function localTaskId(): string {
  return localTaskPrefix + randomUUID();
}
