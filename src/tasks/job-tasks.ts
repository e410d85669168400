/**
 * MCP tasks (spec 2025-11-25) for the tools that start provider jobs. Every use of the SDK's experimental
 * tasks API is in this file, so following the SDK's changes touches nothing else.
 *
 * A task is its job: the task id carries the tool, the job id and the few scalar result fields a result
 * is rebuilt from, so any process (another instance behind a load balancer, or this one after a restart)
 * answers tasks/get and tasks/result by polling the provider; there is no task database. Only what exists
 * in this process alone lives in memory here: a task whose upload parts this process is still sending, a
 * task that failed before its job existed, a cancellation, and the already-finished task that carries a
 * plain (not task-augmented) call's result back through the SDK.
 */
import { randomUUID } from "node:crypto";
import type {
  CreateTaskOptions,
  CreateTaskRequestHandlerExtra,
  TaskStore,
} from "@modelcontextprotocol/sdk/experimental/tasks";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, Request, RequestId, Result, Task } from "@modelcontextprotocol/sdk/types.js";
import { MediagateError } from "../errors.js";
import { describeJob, type Job, parseJobId } from "../jobs/job.js";
import { jobToolOf, jobToolResult } from "../jobs/job-tool.js";
import { isTransient, pollJob } from "../jobs/wait.js";
import type { CarriedFields, JobTool, Operation, ToolContext } from "../tools/operation.js";
import { type ContextFactory, callOperation, type ToolCallExtra, toolDefinition } from "../tools/registry.js";
import { errorResult, successResult } from "../tools/result.js";

/** The server capability that lets clients call tools as tasks and cancel them. */
export const tasksCapability = { cancel: {}, requests: { tools: { call: {} } } } as const;

const jobTaskPrefix = "mgt1.";
const localTaskPrefix = "mgl.";
/** How long a task known only to this process is kept after it ends. */
const localTaskTtlMs = 60 * 60 * 1000;
/** How long a plain call's finished task waits for the SDK to collect its result. */
const inlineTaskTtlMs = 60 * 1000;
const maxTaskIdLength = 4096;

/** What a job task id carries. */
interface JobTaskRef {
  tool: string;
  jobId: string;
  carried: CarriedFields;
  createdAt: number;
}

function encodeRef(ref: JobTaskRef): string {
  const json = JSON.stringify({ t: ref.tool, j: ref.jobId, c: ref.carried, s: ref.createdAt });
  return jobTaskPrefix + Buffer.from(json, "utf8").toString("base64url");
}

/** Reads a job task id; anything malformed is simply not a task (the client gets "task not found"). */
function decodeRef(taskId: string): JobTaskRef | undefined {
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

/** A task that exists in this process alone. */
interface LocalTask {
  task: Task;
  /** Set when the task has ended here with this result. */
  result?: CallToolResult;
  /** Carries a plain call's result: not listed, dropped once read. */
  inline: boolean;
  /** Whether the request asked for a task (only meaningful while the call is being set up). */
  augmented: boolean;
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

function isTerminal(status: Task["status"]): boolean {
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

export interface JobTasksOptions {
  makeContext: ContextFactory;
  secrets: readonly string[];
}

/**
 * The tasks layer of one server: the SDK TaskStore it is constructed with, and the registration of
 * job-starting tools with `execution.taskSupport: "optional"`.
 */
export class JobTasks implements TaskStore {
  private readonly tools = new Map<string, { operation: Operation; jobTool: JobTool }>();
  private readonly makeContext: ContextFactory;
  private readonly secrets: readonly string[];

  constructor(options: JobTasksOptions) {
    this.makeContext = options.makeContext;
    this.secrets = options.secrets;
  }

  /** A context for work outside any request: its own signal; progress becomes the task's status message. */
  private backgroundContext(signal: AbortSignal, onMessage?: (message: string) => void): ToolContext {
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

  /**
   * Registers the operation as a task-capable tool if it starts a job; returns false (and registers
   * nothing) otherwise.
   */
  register(server: McpServer, operation: Operation): boolean {
    const jobTool = jobToolOf(operation);
    if (!jobTool) return false;
    this.tools.set(operation.name, { operation, jobTool });
    server.experimental.tasks.registerToolTask(
      operation.name,
      { ...toolDefinition(operation), execution: { taskSupport: "optional" } },
      {
        createTask: (args: unknown, extra: CreateTaskRequestHandlerExtra) =>
          this.createToolTask(operation, jobTool, args as Record<string, unknown>, extra),
        getTask: async (_args: unknown, extra) => {
          const task = await this.getTask(extra.taskId);
          if (!task) throw new MediagateError("invalid_input", `task ${extra.taskId} not found`);
          return task;
        },
        getTaskResult: (_args: unknown, extra) => this.getTaskResult(extra.taskId) as Promise<CallToolResult>,
      },
    );
    return true;
  }

  private async createToolTask(
    operation: Operation,
    jobTool: JobTool,
    args: Record<string, unknown>,
    extra: CreateTaskRequestHandlerExtra,
  ): Promise<{ task: Task }> {
    // The SDK runs a plain call to a task-capable tool through createTask as well, then polls the task.
    // Whether this call asked for a task is only visible to the store (it gets the request), so the store
    // is asked first; a plain call then runs exactly as any other tool call, and its task is born finished.
    const probe = await extra.taskStore.createTask({ ttl: extra.taskRequestedTtl ?? null });
    if (!local.get(probe.taskId)?.augmented) {
      const result = await callOperation(operation, args, this.makeContext(extra), this.secrets);
      return { task: this.finishLocal(probe.taskId, result) };
    }

    const controller = new AbortController();
    const context = this.backgroundContext(controller.signal);
    let started: Awaited<ReturnType<JobTool["start"]>>;
    try {
      // The start is quick (a request or two); the client is still waiting for its task.
      const stopOnCancel = () => controller.abort();
      extra.signal.addEventListener("abort", stopOnCancel, { once: true });
      try {
        started = await jobTool.start(args, context);
      } finally {
        extra.signal.removeEventListener("abort", stopOnCancel);
      }
    } catch (error) {
      // Failed before the job existed: a task of this process alone, which says why.
      return { task: this.finishLocal(probe.taskId, errorResult(error, this.secrets), "failed") };
    }
    local.delete(probe.taskId);
    const createdAt = Date.now();
    const taskId = encodeRef({
      tool: operation.name,
      jobId: started.job.id,
      carried: started.carried,
      createdAt,
    });
    pollCache.set(started.job.id, { job: started.job, at: createdAt });
    const rest = started.rest;
    if (!rest) return { task: await this.jobTask(decodeRef(taskId) as JobTaskRef, taskId) };

    // Work only this process can do (sending the parts it reads): tracked here until the job takes over.
    const inProcess = this.openLocal(taskId, false, controller, createdAt);
    inProcess.task.statusMessage = "started";
    const working = this.backgroundContext(controller.signal, (message) => {
      inProcess.task.statusMessage = message;
      inProcess.task.lastUpdatedAt = new Date().toISOString();
    });
    rest(working).then(
      (job) => {
        pollCache.set(job.id, { job, at: Date.now() });
        if (local.get(taskId) === inProcess && !isTerminal(inProcess.task.status)) local.delete(taskId);
      },
      (error: unknown) => {
        if (inProcess.task.status === "cancelled") return;
        this.finishLocal(taskId, errorResult(error, this.secrets), "failed");
      },
    );
    return { task: { ...inProcess.task } };
  }

  private openLocal(taskId: string, inline: boolean, controller?: AbortController, createdAt = Date.now()) {
    const entry: LocalTask = {
      task: newTask(taskId, createdAt, localTaskTtlMs),
      inline,
      augmented: false,
      ...(controller ? { controller } : {}),
      expiresAt: createdAt + localTaskTtlMs,
    };
    local.set(taskId, entry);
    return entry;
  }

  /** Ends a task known to this process with a result; an isError result fails the task. */
  private finishLocal(taskId: string, result: CallToolResult, status?: "completed" | "failed"): Task {
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
  private async jobTask(ref: JobTaskRef, taskId: string): Promise<Task> {
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
    const augmented =
      typeof request.params === "object" && request.params !== null && "task" in request.params;
    const entry = this.openLocal(localTaskPrefix + randomUUID(), !augmented);
    entry.augmented = augmented;
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
      return errorResult(new MediagateError("cancelled", "The task was cancelled."), this.secrets);
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
