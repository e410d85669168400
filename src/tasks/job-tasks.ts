/**
 * MCP tasks (spec 2025-11-25) for the tools that start provider jobs: their registration as task-capable
 * tools, and the start of a task. Every use of the SDK's experimental tasks API is under src/tasks, so
 * following the SDK's changes touches nothing else: task ids in task-ids.ts, the store in
 * task-store.ts, the one workaround in task-request.ts.
 */
import type { CreateTaskRequestHandlerExtra } from "@modelcontextprotocol/sdk/experimental/tasks";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult, Task } from "@modelcontextprotocol/sdk/types.js";
import { MediagateError } from "../errors.js";
import { jobToolOf } from "../jobs/job-tool.js";
import type { JobTool, Operation } from "../tools/operation.js";
import { type ContextFactory, callOperation, taskExecution, toolDefinition } from "../tools/registry.js";
import { errorResult } from "../tools/result.js";
import { decodeRef, encodeRef, type JobTaskRef } from "./task-ids.js";
import { createCallTask } from "./task-request.js";
import { isTerminal, JobTaskStore, type TaskTool } from "./task-store.js";

/** The server capability that lets clients call tools as tasks and cancel them. */
export const tasksCapability = { cancel: {}, requests: { tools: { call: {} } } } as const;

export interface JobTasksOptions {
  makeContext: ContextFactory;
  secrets: readonly string[];
}

/**
 * The tasks layer of one server: its SDK TaskStore (`store`, given to the server), and the registration
 * of job-starting tools with `execution.taskSupport: "optional"`.
 */
export class JobTasks {
  private readonly tools = new Map<string, TaskTool>();
  private readonly makeContext: ContextFactory;
  private readonly secrets: readonly string[];
  readonly store: JobTaskStore;

  constructor(options: JobTasksOptions) {
    this.makeContext = options.makeContext;
    this.secrets = options.secrets;
    this.store = new JobTaskStore({ tools: this.tools, ...options });
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
      { ...toolDefinition(operation), execution: taskExecution },
      {
        createTask: (args: unknown, extra: CreateTaskRequestHandlerExtra) =>
          this.createToolTask(operation, jobTool, args as Record<string, unknown>, extra),
        getTask: async (_args: unknown, extra) => {
          const task = await this.store.getTask(extra.taskId);
          if (!task) throw new MediagateError("invalid_input", `task ${extra.taskId} not found`);
          return task;
        },
        getTaskResult: (_args: unknown, extra) =>
          this.store.getTaskResult(extra.taskId) as Promise<CallToolResult>,
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
    // A plain call runs exactly as any other tool call, and its task is born finished (see task-request.ts).
    const call = await createCallTask(extra);
    if (!call.augmented) {
      const result = await callOperation(operation, args, this.makeContext(extra), this.secrets);
      return { task: this.store.finishLocal(call.taskId, result) };
    }

    const controller = new AbortController();
    const context = this.store.backgroundContext(controller.signal);
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
      return { task: this.store.finishLocal(call.taskId, errorResult(error, this.secrets), "failed") };
    }
    this.store.forget(call.taskId);
    const createdAt = Date.now();
    const taskId = encodeRef({
      tool: operation.name,
      jobId: started.job.id,
      carried: started.carried,
      createdAt,
    });
    this.store.remember(started.job);
    const rest = started.rest;
    if (!rest) return { task: await this.store.jobTask(decodeRef(taskId) as JobTaskRef, taskId) };

    // Work only this process can do (sending the parts it reads): tracked here until the job takes over.
    const inProcess = this.store.openLocal(taskId, false, controller, createdAt);
    inProcess.task.statusMessage = "started";
    const working = this.store.backgroundContext(controller.signal, (message) => {
      inProcess.task.statusMessage = message;
      inProcess.task.lastUpdatedAt = new Date().toISOString();
    });
    rest(working).then(
      (job) => {
        this.store.remember(job);
        if (this.store.localTask(taskId) === inProcess && !isTerminal(inProcess.task.status)) {
          this.store.forget(taskId);
        }
      },
      (error: unknown) => {
        if (inProcess.task.status === "cancelled") return;
        this.store.finishLocal(taskId, errorResult(error, this.secrets), "failed");
      },
    );
    return { task: { ...inProcess.task } };
  }
}
