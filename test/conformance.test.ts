import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { cleanEnv, type ServerProcess, startServerProcess } from "./helpers/server-process.js";

const run = promisify(execFile);
const conformance = path.resolve(import.meta.dirname, "../node_modules/.bin/conformance");
const expectedFailures = path.resolve(import.meta.dirname, "fixtures/conformance-expected-failures.yml");

/** The scenarios that apply to a server without the suite's fixture tools, resources and prompts (prompts-list checks mediagate's own). */
const applicable = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "tools-list",
  "prompts-list",
  "dns-rebinding-protection",
];

interface Check {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO";
  errorMessage?: string;
}

describe("the official MCP conformance suite against mediagate --http --sandbox", () => {
  let server: ServerProcess;
  let output: string;

  before(async () => {
    server = await startServerProcess(["--sandbox"], cleanEnv());
    output = await mkdtemp(path.join(os.tmpdir(), "mediagate-conformance-"));
  });
  after(async () => {
    await server?.kill();
    if (output) await rm(output, { recursive: true, force: true });
  });

  for (const scenario of applicable) {
    test(`passes every check of ${scenario}`, async () => {
      const dir = path.join(output, scenario);
      await run(conformance, ["server", "--url", server.url, "--scenario", scenario, "-o", dir]);
      const [resultDir] = await readdir(dir);
      assert.ok(resultDir, "the suite wrote its results");
      const checks = JSON.parse(await readFile(path.join(dir, resultDir, "checks.json"), "utf8")) as Check[];
      assert.ok(checks.length > 0);
      for (const check of checks)
        assert.equal(check.status, "SUCCESS", `${check.id}: ${check.errorMessage ?? ""}`);
    });
  }

  test("fails nothing else than the listed expected failures (and none of those passes unnoticed)", async () => {
    // Exit 0 means: every failure is listed, and every listed scenario still fails (no stale entry).
    await run(conformance, [
      "server",
      "--url",
      server.url,
      "--expected-failures",
      expectedFailures,
      "-o",
      path.join(output, "all"),
    ]);
  });
});
