import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type LoggingMessageNotification,
  LoggingMessageNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { maxProviderMessageChars } from "../src/client/interpret.js";
import { inProcessForFile } from "./helpers/in-process.js";
import { failed, succeeded } from "./helpers/outcome.js";

/**
 * A provider's error text reaches results and logs cut to a bounded length, however long the provider
 * made it: its envelope's message, or the raw body when there is no envelope.
 */

const h = inProcessForFile();
const huge = 2 * 1024 * 1024;
/** The provider's words, the provider's name and the remedy around them: well under twice the cut. */
const boundedResult = 2 * maxProviderMessageChars;

describe("provider error text", () => {
  it("an envelope message of 2 MiB is cut to the bound, with an ellipsis", async () => {
    h.sandbox.videodb.inject({
      route: "/video/",
      status: 400,
      body: JSON.stringify({ success: false, message: `Bad request: ${"A".repeat(huge)}` }),
    });
    const text = failed(await h.call("videodb_list_videos"), /VideoDB answered HTTP 400: Bad request: A+…/);
    assert.ok(text.length < boundedResult, `${text.length} characters`);
    assert.equal(text.match(/A+…/)?.[0].length, maxProviderMessageChars - "Bad request: ".length);
  });

  it("a raw body of 2 MiB (an HTML error page) is cut to the bound, with an ellipsis", async () => {
    h.sandbox.aioz.inject({
      route: /^\/media\//,
      status: 404,
      body: `<html><body>${"B".repeat(huge)}</body></html>`,
    });
    const text = failed(await h.call("aioz_get_audio", { audio_id: "missing" }), /<html><body>B+…/);
    assert.ok(text.length < boundedResult, `${text.length} characters`);
  });

  it("a log line that carries a provider's error is bounded too", { timeout: 60_000 }, async () => {
    const videodb = h.sandbox.videodb;
    const lines: LoggingMessageNotification["params"][] = [];
    const isFailure = (line: LoggingMessageNotification["params"]) =>
      /job poll failed/.test(String((line.data as { message?: string }).message));
    h.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      lines.push(notification.params);
      // The failure is logged: let the job finish, so the wait ends.
      if (isFailure(notification.params)) videodb.holdJobs = false;
    });
    await h.client.setLoggingLevel("warning");
    videodb.holdJobs = true;
    try {
      const started = succeeded(await h.call("videodb_generate_video", { prompt: "bounded", wait_s: 0 }));
      const jobId = (started.job as { id: string }).id;
      // job_wait's first look goes through; every attempt of the next poll fails (503 is retried), so
      // the wait logs the failure and goes on.
      videodb.inject({ route: /^\/async-response\//, times: 1 });
      videodb.inject({
        route: /^\/async-response\//,
        status: 503,
        body: JSON.stringify({ success: false, message: "C".repeat(huge) }),
        times: 3,
      });
      succeeded(await h.call("job_wait", { job_id: jobId, timeout_s: 30 }));
    } finally {
      videodb.holdJobs = false;
      videodb.clearFaults();
    }
    const failures = lines.filter((line) =>
      /job poll failed/.test(String((line.data as { message?: string }).message)),
    );
    assert.equal(failures.length, 1, JSON.stringify(lines).slice(0, 2000));
    const line = JSON.stringify(failures[0]);
    assert.match(line, /C+…/);
    assert.ok(line.length < boundedResult, `${line.length} characters`);
  });
});
