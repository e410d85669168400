import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type CallToolResult, CallToolResultSchema, type Task } from "@modelcontextprotocol/sdk/types.js";
import type { RecordedRequest } from "../src/sandbox/index.js";
import { cliPath } from "./helpers/harness.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";
import { succeeded } from "./helpers/outcome.js";

let h: InProcessHarness;

before(async () => {
  h = await startInProcess({ sandbox: { jobDurationMs: 300 } });
  await h.client.listTools();
});

after(async () => {
  await h?.close();
});

/** Runs a tool call as a task through the SDK client's task API, collecting every message. */
async function callAsTask(client: Client, name: string, args: Record<string, unknown>) {
  const statuses: Task[] = [];
  let created: Task | undefined;
  let result: CallToolResult | undefined;
  let error: Error | undefined;
  for await (const message of client.experimental.tasks.callToolStream({ name, arguments: args })) {
    if (message.type === "taskCreated") created = message.task;
    else if (message.type === "taskStatus") statuses.push(message.task);
    else if (message.type === "result") result = message.result as CallToolResult;
    else if (message.type === "error") error = message.error;
  }
  return { created, statuses, result, error };
}

describe("MCP tasks", () => {
  it("declares taskSupport optional on exactly the tools that start jobs", async () => {
    const { tools } = await h.client.listTools();
    const taskTools = tools
      .filter((tool) => tool.execution?.taskSupport === "optional")
      .map((tool) => tool.name);
    assert.deepEqual(taskTools.sort(), [
      "aioz_complete_audio_upload",
      "aioz_upload_audio",
      "aistudios_generate_video",
      "videodb_generate_audio",
      "videodb_generate_image",
      "videodb_generate_video",
      "videodb_index_spoken_words",
      "videodb_upload",
    ]);
    assert.ok(
      h.client.getServerCapabilities()?.tasks?.requests?.tools?.call,
      "the tasks capability is declared",
    );
  });

  it("a task-augmented call gets a working task that follows the job and ends with the tool's usual result", async () => {
    const { created, statuses, result, error } = await callAsTask(h.client, "videodb_generate_video", {
      prompt: "A lighthouse at dusk",
    });
    assert.equal(error, undefined);
    assert.equal(created?.status, "working");
    assert.equal(statuses.at(-1)?.status, "completed");
    assert.ok(result, "the task's result arrives");
    const structured = result.structuredContent as {
      job: { id: string; status: string; result: Record<string, unknown> };
    };
    assert.equal(structured.job.status, "done");
    assert.match(structured.job.id, /^videodb:/);
    assert.ok(typeof structured.job.result.stream_url === "string");
    assert.match((result.content[0] as { text: string }).text, /done/);
  });

  it("a plain call to a task-capable tool still returns its result at once", async () => {
    const outcome = succeeded(await h.call("videodb_generate_video", { prompt: "Plain call", wait_s: 0 }));
    assert.equal((outcome.job as { status: string }).status, "processing");
  });

  it("a second server process answers tasks/get and tasks/result for a task the first one created", async () => {
    const { created } = await (async () => {
      for await (const message of h.client.experimental.tasks.callToolStream({
        name: "videodb_generate_video",
        arguments: { prompt: "Across instances" },
      })) {
        if (message.type === "taskCreated") return { created: message.task };
      }
      return { created: undefined };
    })();
    assert.ok(created);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath],
      env: { PATH: process.env.PATH ?? "", ...h.sandbox.env(), MEDIAGATE_FILE_ROOTS: h.filesDir },
      stderr: "ignore",
    });
    const second = new Client({ name: "second-instance", version: "1.0.0" });
    await second.connect(transport);
    try {
      const task = await second.experimental.tasks.getTask(created.taskId);
      assert.equal(task.taskId, created.taskId);
      // tasks/result waits for the job to end, then gives the finished tool result.
      const result = (await second.experimental.tasks.getTaskResult(
        created.taskId,
        CallToolResultSchema,
      )) as CallToolResult;
      const job = (result.structuredContent as { job: { status: string; id: string } }).job;
      assert.equal(job.status, "done");
      assert.equal((await second.experimental.tasks.getTask(created.taskId)).status, "completed");
    } finally {
      await second.close();
    }
  });

  it("an upload run as a task sends its parts in the background and ends with the audio and its finished transcode", async () => {
    const bytes = randomBytes(3 * 1024 + 17);
    const file = path.join(h.filesDir, "task-upload.mp3");
    await writeFile(file, bytes);
    h.sandbox.aioz.clearRequests();
    const { created, result, error } = await callAsTask(h.client, "aioz_upload_audio", {
      file_path: file,
      title: "As a task",
      chunk_size_bytes: 1024,
    });
    assert.equal(error, undefined);
    assert.ok(created);
    const structured = result?.structuredContent as { audio: { title: string }; job: { status: string } };
    assert.equal(structured.audio.title, "As a task");
    assert.equal(structured.job.status, "done");
    const parts = h.sandbox.aioz.requests.filter((r) => r.route.endsWith("/part"));
    assert.equal(parts.length, 4);
  });

  it("a task whose start fails is a failed task, and tasks/result says why", async () => {
    const { created, statuses, error } = await callAsTask(h.client, "aioz_upload_audio", {
      file_path: "/etc/hostname",
    });
    assert.ok(created);
    assert.equal([created, ...statuses].at(-1)?.status, "failed");
    assert.ok(error, "the SDK reports the failed task");
    const result = (await h.client.experimental.tasks.getTaskResult(
      created.taskId,
      CallToolResultSchema,
    )) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match((result.content[0] as { text: string }).text, /outside the allowed directories/);
  });

  it("tasks/get of an unknown task id is an error, not a crash", async () => {
    await assert.rejects(h.client.experimental.tasks.getTask("mgt1.bm90LWpzb24"), /not found/i);
    await assert.rejects(h.client.experimental.tasks.getTask("whatever"), /not found/i);
  });

  it("tasks/cancel stops the task's background work: the provider sees the part in flight abandoned, no complete follows, and the task is cancelled", {
    timeout: 20_000,
  }, async () => {
    const file = path.join(h.filesDir, "task-cancel.mp3");
    await writeFile(file, randomBytes(3 * 1024));
    h.sandbox.aioz.clearRequests();
    const part = holdPart();
    const created = await startTask(h.client, "aioz_upload_audio", {
      file_path: file,
      title: "Cancelled task",
      chunk_size_bytes: 1024,
    });
    await part.inFlight;
    await h.client.experimental.tasks.cancelTask(created.taskId);
    await h.sandbox.aioz.untilAbandoned(1);
    part.release();
    const abandoned = h.sandbox.aioz.abandoned.map((r) => r.route.replace(/^\/media\/[^/]+/, "/media/{id}"));
    assert.deepEqual(abandoned, ["/media/{id}/part"]);
    const task = await h.client.experimental.tasks.getTask(created.taskId);
    assert.equal(task.status, "cancelled");
    const result = (await h.client.experimental.tasks.getTaskResult(
      created.taskId,
      CallToolResultSchema,
    )) as CallToolResult;
    assert.equal(result.isError, true);
    assert.match((result.content[0] as { text: string }).text, /[Cc]ancelled/);
    const routes = h.sandbox.aioz.requests.map((r) => r.route);
    assert.equal(routes.filter((route) => route.endsWith("/part")).length, 1, "no part after the cancel");
    assert.ok(!routes.some((route) => route.endsWith("/complete")), "a cancelled upload is never completed");
  });

  it("tasks/list lists the tasks of this process with their status, and not the plain calls carried as tasks", async () => {
    const file = path.join(h.filesDir, "task-list.mp3");
    await writeFile(file, randomBytes(2048));
    const part = holdPart();
    const running = await startTask(h.client, "aioz_upload_audio", {
      file_path: file,
      chunk_size_bytes: 1024,
    });
    await part.inFlight;
    succeeded(await h.call("videodb_generate_video", { prompt: "Not a task", wait_s: 0 }));
    const listed = (await h.client.experimental.tasks.listTasks()).tasks;
    const mine = listed.find((task) => task.taskId === running.taskId);
    assert.equal(mine?.status, "working", JSON.stringify(listed));
    await h.client.experimental.tasks.cancelTask(running.taskId);
    part.release();
    const after = (await h.client.experimental.tasks.listTasks()).tasks;
    assert.equal(after.find((task) => task.taskId === running.taskId)?.status, "cancelled");
    for (const task of after) assert.ok(task.taskId.length > 0 && task.createdAt, JSON.stringify(task));
    assert.equal(after.length, listed.length, "the plain call left no task to list");
  });
});

/** Holds AIOZ's answer to the next upload part until `release()`; `inFlight` resolves once it is in. */
function holdPart() {
  let release!: () => void;
  let arrived!: (request: RecordedRequest) => void;
  const inFlight = new Promise<RecordedRequest>((resolve) => {
    arrived = resolve;
  });
  h.sandbox.aioz.inject({
    method: "POST",
    route: /\/part$/,
    until: new Promise<void>((resolve) => {
      release = resolve;
    }),
    onHold: arrived,
  });
  return { release, inFlight };
}

/**
 * Starts a tool call as a task and returns the task once created. Leaving the stream stops only the
 * client's reading of it: the task goes on in the server.
 */
async function startTask(client: Client, name: string, args: Record<string, unknown>): Promise<Task> {
  for await (const message of client.experimental.tasks.callToolStream({ name, arguments: args })) {
    if (message.type === "taskCreated") return message.task;
  }
  throw new Error("no task was created");
}

describe("MCP tasks of the VideoDB workflow tools", () => {
  it("videodb_generate_image as a task ends with the job's result: the image's id and a URL that serves a PNG", async () => {
    const { created, statuses, result, error } = await callAsTask(h.client, "videodb_generate_image", {
      prompt: "A harbour at dawn",
    });
    assert.equal(error, undefined);
    assert.equal(created?.status, "working");
    assert.equal(statuses.at(-1)?.status, "completed");
    assert.ok(result, "the task's result arrives");
    const job = (result.structuredContent as { job: { status: string; result: Record<string, unknown> } })
      .job;
    assert.equal(job.status, "done");
    assert.match(String(job.result.image_id), /^img-/);
    const png = await fetch(String(job.result.url));
    assert.equal(png.headers.get("content-type"), "image/png");
  });
});
