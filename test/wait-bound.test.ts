import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, it, mock } from "node:test";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { maxWaitSeconds } from "../src/jobs/wait.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { succeeded } from "./helpers/outcome.js";

/**
 * A job-starting tool's wait ends within `maxWaitSeconds` of the call's start, however long its start
 * request took. The clock the server reads is moved on while the provider holds that request, so a
 * "slow" start takes no time; the wait then says, in its progress total, how long it means to wait.
 */

// Transcodes that stay processing whatever the clock says.
const h = inProcessForFile({ sandbox: { jobDurationMs: 3_600_000 } });
/** How long the start request "took": the wait has what is left of the bound. */
const spentMs = 50_000;

afterEach(() => {
  mock.timers.reset();
  h.sandbox.aioz.clearFaults();
});

/** Holds AIOZ's answer to `route` while the server's clock moves `spentMs` on, then lets it go. */
function slowAnswer(route: RegExp): void {
  mock.timers.enable({ apis: ["Date"], now: Date.now() });
  let release!: () => void;
  h.sandbox.aioz.inject({
    route,
    until: new Promise<void>((resolve) => {
      release = resolve;
    }),
    onHold: () => {
      mock.timers.tick(spentMs);
      release();
    },
  });
}

/** Calls `name` with wait_s at its maximum; resolves with the first progress the wait reports, then cancels. */
async function firstWaitProgress(
  name: string,
  args: Record<string, unknown>,
  base: number,
): Promise<Progress> {
  const controller = new AbortController();
  let reported!: (progress: Progress) => void;
  const first = new Promise<Progress>((resolve) => {
    reported = resolve;
  });
  const call = h.call(
    name,
    { ...args, wait_s: maxWaitSeconds },
    {
      signal: controller.signal,
      onprogress: (progress) => {
        if (progress.progress > base || progress.total !== base) reported(progress);
      },
    },
  );
  call.catch(() => undefined);
  const progress = await first;
  controller.abort("seen enough");
  return progress;
}

async function audioFile(): Promise<string> {
  const file = path.join(h.filesDir, "bound.mp3");
  await writeFile(file, randomBytes(4000));
  return file;
}

describe(`the ${maxWaitSeconds} s bound of a call counts from its start`, () => {
  it("aioz_complete_audio_upload: after a complete that took 50 s, the wait is given the 5 s left", async () => {
    const created = succeeded(await h.call("aioz_create_audio", { title: "Bound" }));
    const audioId = (created.audio as { id: string }).id;
    succeeded(
      await h.call("aioz_upload_audio_part", { audio_id: audioId, file_path: await audioFile(), index: 1 }),
    );
    slowAnswer(/\/complete$/);
    const progress = await firstWaitProgress("aioz_complete_audio_upload", { audio_id: audioId }, 0);
    assert.ok(
      progress.total !== undefined && progress.total <= maxWaitSeconds - spentMs / 1000,
      JSON.stringify(progress),
    );
    assert.ok(progress.total > 0, JSON.stringify(progress));
  });

  it("aioz_upload_audio: after parts and a complete that took 50 s, the wait is given the 5 s left", async () => {
    const file = await audioFile();
    slowAnswer(/\/complete$/);
    const progress = await firstWaitProgress("aioz_upload_audio", { file_path: file }, 4000);
    const waitTotal = (progress.total ?? 0) - 4000;
    assert.ok(waitTotal > 0 && waitTotal <= maxWaitSeconds - spentMs / 1000, JSON.stringify(progress));
  });

  it("a start that used the whole bound returns the job at once, without a poll", async () => {
    const created = succeeded(await h.call("aioz_create_audio", { title: "Spent" }));
    const audioId = (created.audio as { id: string }).id;
    succeeded(
      await h.call("aioz_upload_audio_part", { audio_id: audioId, file_path: await audioFile(), index: 1 }),
    );
    mock.timers.enable({ apis: ["Date"], now: Date.now() });
    let release!: () => void;
    h.sandbox.aioz.inject({
      route: /\/complete$/,
      until: new Promise<void>((resolve) => {
        release = resolve;
      }),
      onHold: () => {
        mock.timers.tick(maxWaitSeconds * 1000);
        release();
      },
    });
    h.clearRequests();
    const result = succeeded(
      await h.call("aioz_complete_audio_upload", { audio_id: audioId, wait_s: maxWaitSeconds }),
    );
    assert.equal((result.job as { status: string }).status, "processing");
    assert.deepEqual(
      h.sandbox.aioz.requests.map((r) => `${r.method} ${r.route.replace(audioId, "{id}")}`),
      ["GET /media/{id}/complete"],
      "no poll after the bound",
    );
  });
});
