import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { pollInterval } from "../src/jobs/wait.js";
import { cliPath, type Harness, startHarness } from "./helpers/harness.js";
import { failed, succeeded } from "./helpers/outcome.js";

interface JobResult {
  job: { id: string; status: string; poll_after_ms?: number; result?: Record<string, unknown> };
}

describe("job_wait backoff", () => {
  it("starts near 1 s, grows by half up to 5 s, and never polls faster than the provider allows", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((poll) => pollInterval(poll, 0)),
      [1000, 1500, 2250, 3375, 5000, 5000],
    );
    assert.equal(pollInterval(1, 3000), 3000);
  });
});

describe("job_wait against a slow job", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ sandbox: { jobDurationMs: 4000 } });
  });
  after(async () => {
    await h?.close();
  });

  async function startVideo(): Promise<string> {
    const started = succeeded(
      await h.call("videodb_generate_video", { prompt: "A slow sunrise", wait_s: 0 }),
    ) as unknown as JobResult;
    assert.equal(started.job.status, "processing");
    return started.job.id;
  }

  it("sends progress notifications in order, with the state and the time elapsed, until the job is done", async () => {
    const id = await startVideo();
    const progress: Array<{ progress: number; total?: number; message?: string }> = [];
    const outcome = await h.call(
      "job_wait",
      { job_id: id, timeout_s: 30 },
      { onprogress: (p) => progress.push(p) },
    );
    const result = succeeded(outcome) as unknown as JobResult;
    assert.equal(result.job.status, "done");
    assert.ok(typeof result.job.result?.stream_url === "string");
    // The SDK client hands notifications to their handler a tick after it reads them but settles the
    // response at once, so the final "done" notification, sent right before the result, may be dropped
    // by the client; the ones sent while processing always arrive.
    const processing = progress.filter((p) => p.message?.startsWith("processing"));
    assert.ok(processing.length >= 2, `expected several notifications, got ${progress.length}`);
    for (let i = 1; i < progress.length; i++) {
      assert.ok((progress[i]?.progress ?? 0) > (progress[i - 1]?.progress ?? 0), "progress increases");
    }
    assert.match(progress[0]?.message ?? "", /^processing.*, \d+ s elapsed$/);
    for (const notification of progress.filter((p) => p.message?.startsWith("done"))) {
      assert.equal(notification.progress, notification.total, "the done notification is complete");
    }
  });

  it("returns before timeout_s with status processing and poll_after_ms when the job is not done", async () => {
    const id = await startVideo();
    const result = succeeded(await h.call("job_wait", { job_id: id, timeout_s: 1 })) as unknown as JobResult;
    assert.equal(result.job.status, "processing");
    assert.ok((result.job.poll_after_ms ?? 0) >= 1000);
  });

  it("stops polling the provider once the client cancels", async () => {
    const id = await startVideo();
    const controller = new AbortController();
    let notified: () => void = () => undefined;
    const firstProgress = new Promise<void>((resolve) => {
      notified = resolve;
    });
    const call = h.call(
      "job_wait",
      { job_id: id, timeout_s: 30 },
      { signal: controller.signal, onprogress: () => notified() },
    );
    await firstProgress;
    controller.abort();
    await assert.rejects(call);
    const polls = () => h.sandbox.videodb.requests.filter((r) => r.route.includes("async-response")).length;
    const atCancel = polls();
    // Longer than two poll intervals: a server still polling would have asked again by now.
    await sleep(3500);
    assert.ok(polls() <= atCancel + 1, "at most a poll already in flight when the cancel arrived");
    const settled = polls();
    await sleep(2000);
    assert.equal(polls(), settled, "no poll after the cancellation");
  });

  it("job_wait in a second server process finishes a job the first one started", async () => {
    const id = await startVideo();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath],
      env: {
        PATH: process.env.PATH ?? "",
        ...h.sandbox.env(),
        MEDIAGATE_FILE_ROOTS: h.filesDir,
        MEDIAGATE_LOG_LEVEL: "warn",
      },
      stderr: "ignore",
    });
    const second = new Client({ name: "second-instance", version: "1.0.0" });
    await second.connect(transport);
    try {
      const result = (await second.callTool({
        name: "job_wait",
        arguments: { job_id: id, timeout_s: 30 },
      })) as CallToolResult;
      assert.equal(result.isError, undefined);
      const job = (result.structuredContent as unknown as JobResult).job;
      assert.equal(job.id, id);
      assert.equal(job.status, "done");
    } finally {
      await second.close();
    }
  });

  it("job_status refuses an id that names no provider, before any request", async () => {
    h.sandbox.videodb.clearRequests();
    failed(await h.call("job_status", { job_id: "nope:123" }), /not a mediagate job id/);
    assert.deepEqual(h.sandbox.videodb.requests, []);
  });
});
