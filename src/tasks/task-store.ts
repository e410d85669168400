/**
 * The task store: what the SDK calls for tasks/get, tasks/result, tasks/list and tasks/cancel. A job
 * task is answered by polling its provider (see task-ids.ts); only what exists in this process alone
 * lives in memory here: a task whose upload parts this process is still sending, a task that failed
 * before its job existed, a cancellation, and the already-finished task that carries a plain (not
 * task-augmented) call's result back through the SDK.
 */
import type { CreateTaskOptions, TaskStore } from "@modelcontextprotocol/sdk/experimental/tasks";
import type { CallToolResult, Request, RequestId, Result, Task } from "@modelcontextprotocol/sdk/types.js";
import { cancelledError, MediagateError } from "../errors.js";
import { describeJob, type Job, parseJobId } from "../jobs/job.js";
import { jobToolResult } from "../jobs/job-tool.js";
import { isTransient, pollJob } from "../jobs/wait.js";
import type { JobTool, Operation, ToolContext } from "../tools/operation.js";
import type { ContextFactory, ToolCallExtra } from "../tools/registry.js";
import { errorResult, successResult } from "../tools/result.js";
import { decodeRef, type JobTaskRef, localTaskId } from "./task-ids.js";
import { noteTaskRequest } from "./task-request.js";

/** How long a task known only to this process is kept after it ends. */
const localTaskTtlMs = 60 * 60 * 1000;
/** How long a plain call's finished task waits for the SDK to collect its result. */
const inlineTaskTtlMs = 60 * 1000;

/** A task that exists in this process alone. */
interface LocalTask {
  task: Task;
  /** Set when the task has ended here with this result. */
  result?: CallToolResult;
  /** Carries a plain call's result: not listed, dropped once read. */
  inline: boolean;
  /** Stops the work this process is still doing for the task. */
  controller?: AbortController;
  expiresAt: number;
}

/** The provider-polling store and the in-process part of it, shared by every server of the process. */
const local = new Map<string, LocalTask>();
const pollCache = new Map<string, { job: Job; at: number }>();

function sweep(now = Date.now()): void {
  for (const [id, entry] of local) if (entry.expiresAt <= now) local.delete(id);
  for (const [id, entry] of pollCache) if (now - entry.at > 60_000) pollCache.delete(id);
}

export function isTerminal(status: Task["status"]): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

function newTask(taskId: string, createdAt: number, ttl: number | null): Task {
  const iso = new Date(createdAt).toISOString();
  return { taskId, status: "working", ttl, createdAt: iso, lastUpdatedAt: iso, pollInterval: 1000 };
}

/** Client polling cadence for a task of this age: about 1 s at first, then slower, like job_wait. */
function pollIntervalFor(ageMs: number, minimumMs: number): number {
  const backoff = ageMs < 10_000 ? 1000 : ageMs < 60_000 ? 2000 : 5000;
  return Math.max(backoff, minimumMs);
}

/** A tool that runs as a task: its operation, and how it starts its job. */
export interface TaskTool {
  operation: Operation;
  jobTool: JobTool;
}

export interface JobTaskStoreOptions {
  /** The task tools by name, as registered (see job-tasks.ts). */
  tools: ReadonlyMap<string, TaskTool>;
  makeContext: ContextFactory;
  secrets: readonly string[];
}

/** The SDK's TaskStore for one server, backed by the providers' jobs and this process's own tasks. */
export class JobTaskStore implements TaskStore {
  private readonly tools: ReadonlyMap<string, TaskTool>;
  private readonly makeContext: ContextFactory;
  private readonly secrets: readonly string[];

  constructor(options: JobTaskStoreOptions) {
    this.tools = options.tools;
    this.makeContext = options.makeContext;
    this.secrets = options.secrets;
  }

  /** A context for work outside any request: its own signal; progress becomes the task's status message. */
  backgroundContext(signal: AbortSignal, onMessage?: (message: string) => void): ToolContext {
    const extra: ToolCallExtra = {
      signal,
      _meta: { progressToken: "task" },
      sendNotification: async (notification) => {
        if (notification.method === "notifications/progress" && notification.params.message)
          onMessage?.(notification.params.message);
      },
    };
    return this.makeContext(extra);
  }

  /** The task this process tracks under `taskId`, if any. */
  localTask(taskId: string): LocalTask | undefined {
    return local.get(taskId);
  }

  /** Stops tracking a task here: its job (or nothing) answers for it from now on. */
  forget(taskId: string): void {
    local.delete(taskId);
  }

  /** The job's latest state, so the next tasks/get need not poll the provider at once. */
  remember(job: Job): void {
    pollCache.set(job.id, { job, at: Date.now() });
  }

  /** Tracks a task of this process alone. */
  openLocal(taskId: string, inline: boolean, controller?: AbortController, createdAt = Date.now()) {
    const entry: LocalTask = {
      task: newTask(taskId, createdAt, localTaskTtlMs),
      inline,
      ...(controller ? { controller } : {}),
      expiresAt: createdAt + localTaskTtlMs,
    };
    local.set(taskId, entry);
    return entry;
  }

  /** Ends a task known to this process with a result; an isError result fails the task. */
  finishLocal(taskId: string, result: CallToolResult, status?: "completed" | "failed"): Task {
    const entry = local.get(taskId) ?? this.openLocal(taskId, false);
    entry.result = result;
    entry.task.status = status ?? (result.isError ? "failed" : "completed");
    entry.task.lastUpdatedAt = new Date().toISOString();
    const text = result.content[0];
    if (result.isError && text?.type === "text") entry.task.statusMessage = text.text.slice(0, 500);
    entry.expiresAt = Date.now() + (entry.inline ? inlineTaskTtlMs : localTaskTtlMs);
    return { ...entry.task };
  }

  /** The job's state as a task, polling the provider at most about once a second per job. */
  async jobTask(ref: JobTaskRef, taskId: string): Promise<Task> {
    const tool = this.tools.get(ref.tool);
    const task = newTask(taskId, ref.createdAt, null);
    const { provider } = parseJobId(ref.jobId);
    const context = this.backgroundContext(AbortSignal.timeout(30_000));
    const minimum = context.jobSource(provider).minPollIntervalMs;
    task.pollInterval = pollIntervalFor(Date.now() - ref.createdAt, minimum);
    task.lastUpdatedAt = new Date().toISOString();
    if (!tool) {
      task.status = "failed";
      task.statusMessage = `${ref.tool} is not a task tool of this server`;
      return task;
    }
    let job: Job;
    try {
      job = await this.pollCached(ref.jobId, context, Math.max(minimum, 1000));
    } catch (error) {
      if (isTransient(error)) {
        task.statusMessage = `could not check the job just now: ${this.errorText(error)}`;
        return task;
      }
      task.status = "failed";
      task.statusMessage = this.errorText(error);
      return task;
    }
    if (job.status === "processing") {
      task.statusMessage = `processing${job.progress === undefined ? "" : ` (${job.progress}%)`}`;
      return task;
    }
    // The job's end is the task's end; a failed job is still the tool's ordinary result (as in a plain call).
    task.status = "completed";
    task.statusMessage = describeJob(job);
    return task;
  }

  private errorText(error: unknown): string {
    const block = errorResult(error, this.secrets).content[0];
    return block?.type === "text" ? block.text : "error";
  }

  private async pollCached(id: string, context: ToolContext, maxAgeMs: number): Promise<Job> {
    const cached = pollCache.get(id);
    const now = Date.now();
    if (cached && (cached.job.status !== "processing" || now - cached.at < maxAgeMs)) return cached.job;
    const job = await pollJob(id, context);
    pollCache.set(id, { job, at: Date.now() });
    return job;
  }

  // ——— TaskStore: what the SDK calls for tasks/get, tasks/result, tasks/list, tasks/cancel ———

  async createTask(
    taskParams: CreateTaskOptions,
    _requestId: RequestId,
    request: Request,
    _sessionId?: string,
  ): Promise<Task> {
    sweep();
    const taskId = localTaskId();
    const entry = this.openLocal(taskId, !noteTaskRequest(taskId, request));
    if (typeof taskParams.ttl === "number") entry.task.ttl = Math.min(taskParams.ttl, localTaskTtlMs);
    return { ...entry.task };
  }

  async getTask(taskId: string, _sessionId?: string): Promise<Task | null> {
    const entry = local.get(taskId);
    if (entry) return { ...entry.task };
    const ref = decodeRef(taskId);
    if (!ref) return null;
    return this.jobTask(ref, taskId);
  }

  async storeTaskResult(
    taskId: string,
    status: "completed" | "failed",
    result: Result,
    _sessionId?: string,
  ): Promise<void> {
    this.finishLocal(taskId, result as CallToolResult, status);
  }

  async getTaskResult(taskId: string, _sessionId?: string): Promise<Result> {
    const entry = local.get(taskId);
    if (entry?.result) {
      if (entry.inline) local.delete(taskId);
      return entry.result;
    }
    if (entry?.task.status === "cancelled") {
      return errorResult(cancelledError("the task was stopped"), this.secrets);
    }
    const ref = decodeRef(taskId);
    const tool = ref && this.tools.get(ref.tool);
    if (!ref || !tool) {
      throw new MediagateError("invalid_input", `task ${taskId} not found`);
    }
    const context = this.backgroundContext(AbortSignal.timeout(60_000));
    try {
      const { provider } = parseJobId(ref.jobId);
      const minimum = Math.max(context.jobSource(provider).minPollIntervalMs, 1000);
      const job = await this.pollCached(ref.jobId, context, minimum);
      const structured = await jobToolResult(tool.jobTool, job, ref.carried, context);
      return successResult(structured, tool.operation.summary(structured));
    } catch (error) {
      return errorResult(error, this.secrets);
    }
  }

  async updateTaskStatus(
    taskId: string,
    status: Task["status"],
    statusMessage?: string,
    _sessionId?: string,
  ): Promise<void> {
    let entry = local.get(taskId);
    if (!entry) {
      const ref = decodeRef(taskId);
      if (!ref) throw new MediagateError("invalid_input", `task ${taskId} not found`);
      entry = this.openLocal(taskId, false, undefined, ref.createdAt);
    }
    if (status === "cancelled") {
      entry.controller?.abort();
      entry.task.statusMessage =
        statusMessage ??
        "Cancelled. Work this server was doing for it stopped; a job the provider already accepted may still finish (job_status reports it).";
    } else if (statusMessage !== undefined) {
      entry.task.statusMessage = statusMessage;
    }
    entry.task.status = status;
    entry.task.lastUpdatedAt = new Date().toISOString();
    entry.expiresAt = Date.now() + localTaskTtlMs;
  }

  async listTasks(_cursor?: string, _sessionId?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    sweep();
    const tasks = [...local.values()].filter((entry) => !entry.inline).map((entry) => ({ ...entry.task }));
    return { tasks };
  }
}
