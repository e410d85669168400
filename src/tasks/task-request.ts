/**
 * Whether a tools/call asked for a task: the one workaround for a hook the SDK lacks.
 *
 * @modelcontextprotocol/sdk 1.32.2 runs a plain call to a task-capable tool through the tool's
 * `createTask` as well, then polls the task itself (`McpServer.handleAutomaticTaskPolling`); what it
 * hands `createTask` says nothing of the request but `taskRequestedTtl`, which a task request may leave
 * out. Only the TaskStore sees the request, when a task is created for it. So a call creates its task
 * first and asks what the store saw; a plain call then uses that task to carry its result back. No
 * upstream issue asks for the hook yet; the automatic polling it would inform is the subject of
 * modelcontextprotocol/typescript-sdk#1335. When the SDK says it (or SDK v2 changes the task API), only
 * this module changes.
 */
import type { CreateTaskRequestHandlerExtra } from "@modelcontextprotocol/sdk/experimental/tasks";
import type { Request } from "@modelcontextprotocol/sdk/types.js";

/** Task id → whether its request asked for a task; written by the store, read once by the call. */
const asked = new Map<string, boolean>();

/** What the store calls from `createTask`: notes whether the request carries a `task` field. */
export function noteTaskRequest(taskId: string, request: Request): boolean {
  const augmented = typeof request.params === "object" && request.params !== null && "task" in request.params;
  asked.set(taskId, augmented);
  return augmented;
}

/** Creates the call's task through the SDK's request-bound store, and says whether the call asked for one. */
export async function createCallTask(
  extra: CreateTaskRequestHandlerExtra,
): Promise<{ taskId: string; augmented: boolean }> {
  const task = await extra.taskStore.createTask({ ttl: extra.taskRequestedTtl ?? null });
  const augmented = asked.get(task.taskId) ?? false;
  asked.delete(task.taskId);
  return { taskId: task.taskId, augmented };
}
