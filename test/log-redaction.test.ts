import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { httpTokenOf, loadSettings } from "../src/config.js";
import { configureLog, log } from "../src/log.js";

/** What `log` writes on stderr while `run` runs. */
function stderrOf(run: () => void): string {
  const written: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    run();
  } finally {
    process.stderr.write = write;
  }
  return written.join("");
}

describe("secrets on stderr", () => {
  after(() => configureLog("silent", []));

  test("a secret with a quote and a backslash is redacted from a log line's fields", () => {
    const secret = 'pa"ss\\word-7731';
    configureLog("info", [secret]);
    const line = stderrOf(() =>
      log("warn", `refused ${secret}`, { detail: `the provider said ${secret}`, nested: { echo: [secret] } }),
    );
    assert.ok(!line.includes(secret), line);
    assert.ok(!line.includes(JSON.stringify(secret).slice(1, -1)), `escaped, it still leaks: ${line}`);
    assert.equal(line.match(/\[redacted\]/g)?.length, 3, line);
    assert.deepEqual(JSON.parse(line.slice(line.indexOf("{"))), {
      detail: "the provider said [redacted]",
      nested: { echo: ["[redacted]"] },
    });
  });

  test("MEDIAGATE_HTTP_TOKEN is redacted as clients send it: without the whitespace around it in the variable", async () => {
    const env = { MEDIAGATE_HTTP_TOKEN: "  http-token-5521\n", MEDIAGATE_FILE_ROOTS: process.cwd() };
    assert.equal(httpTokenOf(env), "http-token-5521");
    const settings = await loadSettings(env, { http: true });
    configureLog("info", settings.secrets);
    const line = stderrOf(() => log("warn", "a client sent http-token-5521", { header: "http-token-5521" }));
    assert.ok(!line.includes("http-token-5521"), line);
  });
});
