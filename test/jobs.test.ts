import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { pollInterval } from "../src/jobs/wait.js";
import { cliPath } from "./helpers/harness.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";
import { failed, succeeded } from "./helpers/outcome.js";

interface JobResult {
  job: {
    id: string;
    status: string;
    progress?: number;
    poll_after_ms?: number;
    result?: Record<string, unknown>;
  };
}

/** Resolves once `condition` holds (an event recorded by an emulator), checking every 20 ms. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (condition()) return;
    await sleep(20);
  }
  throw new Error(`gave up waiting for ${what}`);
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
  let h: InProcessHarness;
  before(async () => {
    h = await startInProcess({ sandbox: { jobDurationMs: 4000 } });
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
    // The result carries the final state: the client may drop the last notification (the SDK client hands
    // notifications to their handler a tick after it reads them but settles the response at once), the
    // result it always has.
    assert.equal(result.job.status, "done");
    assert.equal(result.job.progress, 100);
    assert.ok(typeof result.job.result?.stream_url === "string");
    // The notifications sent while the job was processing always arrive.
    const processing = progress.filter((p) => p.message?.startsWith("processing"));
    assert.ok(processing.length >= 2, `expected several notifications, got ${progress.length}`);
    for (let i = 1; i < progress.length; i++) {
      assert.ok((progress[i]?.progress ?? 0) > (progress[i - 1]?.progress ?? 0), "progress increases");
    }
    for (const p of processing) {
      assert.match(p.message ?? "", /^processing.*, \d+ s elapsed$/);
      assert.ok(p.total !== undefined && p.progress < p.total, "below the total while processing");
    }
  });

  it("returns before timeout_s with status processing and poll_after_ms when the job is not done", async () => {
    const id = await startVideo();
    const result = succeeded(await h.call("job_wait", { job_id: id, timeout_s: 1 })) as unknown as JobResult;
    assert.equal(result.job.status, "processing");
    assert.ok((result.job.poll_after_ms ?? 0) >= 1000);
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

describe("job_wait cancelled by the client", () => {
  let h: InProcessHarness;
  before(async () => {
    // Jobs that never finish during the test, so only the cancellation can stop the polling.
    h = await startInProcess({ sandbox: { jobDurationMs: 600_000 } });
  });
  after(async () => {
    await h?.close();
  });

  async function startVideo(prompt: string): Promise<string> {
    const started = succeeded(
      await h.call("videodb_generate_video", { prompt, wait_s: 0 }),
    ) as unknown as JobResult;
    return started.job.id;
  }
  const pollsOf = (jobId: string) => {
    const route = `/async-response/${jobId.slice(jobId.indexOf(":") + 1)}`;
    return () => h.sandbox.videodb.requests.filter((request) => request.route === route).length;
  };

  it("stops polling the provider once the client cancels", async () => {
    const cancelledJob = await startVideo("A slow sunrise");
    const clockJob = await startVideo("A slower sunset");
    const cancelledPolls = pollsOf(cancelledJob);
    const clockPolls = pollsOf(clockJob);
    const controller = new AbortController();
    let notified: () => void = () => undefined;
    const firstProgress = new Promise<void>((resolve) => {
      notified = resolve;
    });
    const call = h.call(
      "job_wait",
      { job_id: cancelledJob, timeout_s: 55 },
      { signal: controller.signal, onprogress: () => notified() },
    );
    // A progress notification follows a poll: the wait is now in its pause before the next one.
    await firstProgress;
    controller.abort();
    await assert.rejects(call);
    const atCancel = cancelledPolls();

    // The clock: a second job_wait, started after the cancel, on the same backoff (its first poll at once,
    // then after 1 s, 1.5 s, 2.25 s). By its fourth poll 4.75 s have passed, and the cancelled wait, had it
    // gone on, would have polled at least twice (its pauses were 1.5 s and then 2.25 s, and it started
    // earlier). Only a poll already due when the cancel arrived may be there.
    const clockStopper = new AbortController();
    const clock = h.call("job_wait", { job_id: clockJob, timeout_s: 55 }, { signal: clockStopper.signal });
    clock.catch(() => undefined);
    await until(() => clockPolls() >= 4, "the clock job to be polled four times");
    clockStopper.abort();
    assert.ok(
      cancelledPolls() <= atCancel + 1,
      `the cancelled job_wait went on polling: ${cancelledPolls() - atCancel} polls after the cancel`,
    );
  });
});
