import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { providers } from "../src/catalog.js";
import { clientDefaults, ProviderClient } from "../src/client/provider-client.js";
import { loadSettings } from "../src/config.js";
import { type InProcessHarness, startInProcess } from "./helpers/in-process.js";
import { failed, onlyRequest, succeeded } from "./helpers/outcome.js";
import { cleanEnv, runCli } from "./helpers/server-process.js";

/** Short limits configured for the test, so each runs out at once instead of after 10 s or 50 s. */
const stallMs = 300;
const budgetMs = 1500;

let stalls: InProcessHarness;
let budget: InProcessHarness;

before(async () => {
  [stalls, budget] = await Promise.all([
    startInProcess({ env: { MEDIAGATE_STALL_TIMEOUT_MS: String(stallMs) } }),
    startInProcess({ env: { MEDIAGATE_REQUEST_BUDGET_MS: String(budgetMs) } }),
  ]);
});

beforeEach(() => {
  for (const h of [stalls, budget]) {
    h.clearRequests();
    h.sandbox.videodb.clearFaults();
    h.sandbox.aistudios.clearFaults();
    h.sandbox.aioz.clearFaults();
  }
});

after(async () => {
  await Promise.all([stalls?.close(), budget?.close()]);
});

describe("an answer whose body stalls", () => {
  it("is a timeout naming the stall: a GET is tried 3 times, then the call answers with a clear error", async () => {
    stalls.sandbox.videodb.inject({ route: "/video/", stalled: true, times: 3 });
    failed(
      await stalls.call("videodb_list_videos"),
      /VideoDB/,
      /answer stalled: HTTP 200 arrived, then the body sent nothing for 300 ms/,
      /try again/,
    );
    assert.equal(stalls.sandbox.videodb.requests.length, 3);
  });

  it("a GET that stalls once is retried and the call succeeds", async () => {
    stalls.sandbox.videodb.inject({ route: "/video/", stalled: true });
    succeeded(await stalls.call("videodb_list_videos"));
    assert.equal(stalls.sandbox.videodb.requests.length, 2);
  });

  it("a POST that spends credits is not sent again, and the error says it may have been carried out", async () => {
    stalls.sandbox.aistudios.inject({ route: "/api/odin/v3/simple/audio", stalled: true });
    failed(
      await stalls.call("aistudios_export_audio", { language: "en", text: "Hello", model: "M000045058" }),
      /AI Studios/,
      /answer stalled/,
      /may have been carried out/,
    );
    onlyRequest(stalls.sandbox.aistudios.requests);
  });

  it("an upload part, free of the 50 s budget, still ends when its answer stalls", async () => {
    const file = path.join(stalls.filesDir, "stalled-part.mp3");
    await writeFile(file, Buffer.alloc(4096, 3));
    stalls.sandbox.aioz.inject({ route: /\/part$/, stalled: true, times: 3 });
    failed(
      await stalls.call("aioz_upload_audio", { file_path: file, title: "Stalled", wait_s: 0 }),
      /AIOZ Stream/,
      /answer stalled: HTTP 200 arrived, then the body sent nothing for 300 ms/,
    );
    const parts = stalls.sandbox.aioz.requests.filter((request) => request.route.endsWith("/part"));
    assert.equal(parts.length, 3, "the part is safe to send again: tried 3 times");
    assert.ok(!stalls.sandbox.aioz.requests.some((request) => request.route.endsWith("/complete")));
  });
});

describe("the request's budget across its attempts", () => {
  it("ends a slow request at the budget, with no further attempt, naming the budget", async () => {
    // Each attempt may take 30 s; the budget of 1.5 s runs out first.
    budget.sandbox.videodb.inject({ route: "/video/", delayMs: budgetMs * 3, times: 3 });
    failed(
      await budget.call("videodb_list_videos"),
      /VideoDB/,
      /no answer before the request's time budget ran out \(1\.5 s across all attempts/,
    );
    onlyRequest(budget.sandbox.videodb.requests);
  });

  it("does not wait out a Retry-After that ends past the budget: the provider's answer is the error", async () => {
    budget.sandbox.videodb.inject({ route: "/video/", status: 503, headers: { "retry-after": "5" } });
    failed(await budget.call("videodb_list_videos"), /VideoDB/, /HTTP 503/);
    onlyRequest(budget.sandbox.videodb.requests);
  });

  it("a retry that fits in the budget still happens", async () => {
    budget.sandbox.videodb.inject({ route: "/video/", status: 503 });
    succeeded(await budget.call("videodb_list_videos"));
    assert.equal(budget.sandbox.videodb.requests.length, 2);
  });

  it("a budget or stall limit that is not a positive whole number stops start-up with one clear line", async () => {
    for (const name of ["MEDIAGATE_REQUEST_BUDGET_MS", "MEDIAGATE_STALL_TIMEOUT_MS"]) {
      const run = await runCli([], cleanEnv({ [name]: "soon" }));
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`${name}: "soon" is not a positive whole number of milliseconds`));
    }
  });
});

describe("the limits nothing overrides", () => {
  it("are the contract's: 30 s an attempt, 50 s a request across its attempts, 10 s of stalled body, 8 MiB an answer", async () => {
    assert.deepEqual(clientDefaults, {
      timeoutMs: 30_000,
      budgetMs: 50_000,
      stallMs: 10_000,
      maxResponseBytes: 8 * 1024 * 1024,
    });
    const settings = await loadSettings(
      { VIDEODB_API_KEY: "k", AIOZ_STREAM_TOKEN: "t", AISTUDIOS_API_KEY: "s" },
      {},
    );
    for (const provider of providers) {
      const config = settings.providers.get(provider.id);
      assert.ok(config, provider.id);
      const client = new ProviderClient(provider, config);
      assert.deepEqual(client.limits, clientDefaults, provider.id);
      assert.equal(client.budgetMs, 50_000, provider.id);
    }
  });
});
