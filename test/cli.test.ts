import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import os from "node:os";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { cliPath, startHarness, testBasePaths } from "./helpers/harness.js";
import { cleanEnv, runCli } from "./helpers/server-process.js";

const readJson = (name: string) => JSON.parse(readFileSync(new URL(`../${name}`, import.meta.url), "utf8"));
const packageJson = readJson("package.json") as { version: string; mcpName: string; files: string[] };
const packageVersion = packageJson.version;

/** A configuration error: exit code 2 and exactly one line on stderr that matches `pattern`. */
async function assertConfigError(args: string[], env: Record<string, string>, pattern: RegExp) {
  const run = await runCli(args, env);
  assert.equal(run.code, 2, `exit code for ${args.join(" ")}: ${run.stderr}`);
  const lines = run.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected, got:\n${run.stderr}`);
  assert.match(lines[0] ?? "", /^mediagate: /);
  assert.match(lines[0] ?? "", pattern);
  assert.equal(run.stdout, "", "nothing on stdout");
}

describe("mediagate command line", () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox({ basePaths: testBasePaths });
  });
  after(async () => {
    await sandbox?.close();
  });

  test("--help prints the usage, with every flag and command, and exits 0", async () => {
    const run = await runCli(["--help"]);
    assert.equal(run.code, 0);
    for (const word of [
      "--http",
      "--host",
      "--port",
      "--sandbox",
      "--toolsets",
      "--read-only",
      "doctor",
      "--version",
    ]) {
      assert.ok(run.stdout.includes(word), `usage mentions ${word}`);
    }
    assert.match(run.stdout, /MEDIAGATE_HTTP_TOKEN/);
  });

  test("--version prints the package version and exits 0", async () => {
    const run = await runCli(["--version"]);
    assert.equal(run.code, 0);
    assert.equal(run.stdout.trim(), packageVersion);
  });

  test("an unknown toolset stops start-up with one line naming the choices", async () => {
    await assertConfigError(
      ["--toolsets", "videodb,youtube"],
      cleanEnv(),
      /youtube.*videodb, aioz, aistudios, jobs/,
    );
  });

  test("a bad port stops start-up with one line", async () => {
    await assertConfigError(["--http", "--port", "70000"], cleanEnv(), /--port: "70000"/);
    await assertConfigError(["--http", "--port", "eighty"], cleanEnv(), /--port: "eighty"/);
  });

  test("an unreadable file root stops start-up with one line", async () => {
    await assertConfigError(
      [],
      cleanEnv({ MEDIAGATE_FILE_ROOTS: "/nonexistent/mediagate-files" }),
      /MEDIAGATE_FILE_ROOTS: "\/nonexistent\/mediagate-files"/,
    );
  });

  test("a file root that is / or the home directory stops start-up with one line", async () => {
    await assertConfigError(
      [],
      cleanEnv({ MEDIAGATE_FILE_ROOTS: "/" }),
      /MEDIAGATE_FILE_ROOTS: "\/" is a filesystem root, too broad to let tools read files from/,
    );
    await assertConfigError(
      [],
      cleanEnv({ MEDIAGATE_FILE_ROOTS: os.homedir() }),
      /is the home directory, too broad to let tools read files from/,
    );
  });

  test("started over stdio in the home directory without MEDIAGATE_FILE_ROOTS, file_path is refused with how to allow a folder", async () => {
    sandbox.aioz.clearRequests();
    const client = new Client({ name: "mediagate-test", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [cliPath],
        // What a desktop host often does: start the server in the user's home.
        cwd: os.homedir(),
        env: cleanEnv(sandbox.env()),
        stderr: "pipe",
      }),
    );
    try {
      const result = await client.callTool({
        name: "aioz_upload_audio",
        arguments: { file_path: ".ssh/id_rsa", wait_s: 0 },
      });
      assert.equal(result.isError, true);
      const text = JSON.stringify(result.content);
      assert.match(text, /working directory \(.*\) is the home directory, too broad to read files from/);
      assert.match(text, /set MEDIAGATE_FILE_ROOTS in mediagate's environment to the folders tools may read/);
      assert.deepEqual(sandbox.aioz.requests, []);
    } finally {
      await client.close();
    }
  });

  test("a base URL that is not http(s) stops start-up with one line naming the variable", async () => {
    await assertConfigError(
      [],
      cleanEnv({ VIDEODB_API_KEY: "key-1234", VIDEODB_BASE_URL: "ftp://videodb.example" }),
      /VIDEODB_BASE_URL: "ftp:\/\/videodb.example" is not an http\(s\) URL/,
    );
  });

  test("a plain http base URL off loopback stops start-up with one line naming the variable, since credentials would go in clear", async () => {
    await assertConfigError(
      [],
      cleanEnv({
        AIOZ_STREAM_TOKEN: "token-1234",
        AIOZ_STREAM_BASE_URL: "http://api.aiozstream.example/api",
      }),
      /AIOZ_STREAM_BASE_URL: "http:\/\/api\.aiozstream\.example" is plain http, which would send AIOZ Stream's credentials in clear; use https/,
    );
    for (const host of ["10.0.0.5:8080", "[fd00::1]", "127.0.0.1.example"]) {
      await assertConfigError(
        [],
        cleanEnv({ VIDEODB_API_KEY: "key-1234", VIDEODB_BASE_URL: `http://${host}` }),
        /VIDEODB_BASE_URL: .* is plain http/,
      );
    }
  });

  test("a plain http base URL on loopback is accepted: the sandbox is one", async () => {
    for (const base of [sandbox.videodb.url, sandbox.videodb.url.replace("127.0.0.1", "localhost")]) {
      const run = await runCli(["doctor"], cleanEnv({ ...sandbox.env(), VIDEODB_BASE_URL: base }));
      assert.equal(run.code, 0, run.stderr + run.stdout);
    }
  });

  test("an unknown option or command stops start-up with one line", async () => {
    await assertConfigError(["--verbose"], cleanEnv(), /Unknown option '--verbose'; see mediagate --help/);
    await assertConfigError(["serve"], cleanEnv(), /unknown command "serve"/);
  });

  test("a bad MEDIAGATE_SANDBOX_FAILURE_RATE stops --sandbox with one line", async () => {
    await assertConfigError(["--sandbox"], cleanEnv({ MEDIAGATE_SANDBOX_FAILURE_RATE: "2" }), /from 0 to 1/);
  });

  test("--toolsets registers only the named tool sets", async () => {
    const harness = await startHarness({ args: ["--toolsets", "aistudios,jobs"] });
    try {
      const { tools } = await harness.client.listTools();
      const names = tools.map((tool) => tool.name);
      assert.ok(names.includes("aistudios_export_audio"));
      assert.ok(names.includes("job_wait"));
      assert.ok(
        names.every((name) => name.startsWith("aistudios_") || name.startsWith("job_")),
        names.join(", "),
      );
    } finally {
      await harness.close();
    }
  });

  test("--read-only registers only tools whose readOnlyHint is true", async () => {
    const harness = await startHarness({ args: ["--read-only"] });
    try {
      const { tools } = await harness.client.listTools();
      const names = tools.map((tool) => tool.name);
      assert.ok(names.includes("videodb_list_videos"));
      assert.ok(!names.includes("aioz_delete_audio"));
      assert.ok(!names.includes("videodb_generate_video"));
      for (const tool of tools) assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
    } finally {
      await harness.close();
    }
  });

  test("doctor checks every configured provider against the emulators and exits 0", async () => {
    const run = await runCli(["doctor"], cleanEnv(sandbox.env()));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /VideoDB\s+ok/);
    assert.match(run.stdout, /AIOZ Stream\s+ok/);
    assert.match(run.stdout, /AI Studios\s+ok/);
    assert.match(run.stdout, /"mcpServers"/);
    for (const secret of Object.values(sandbox.credentials))
      assert.ok(!run.stdout.includes(secret), "no secret printed");
  });

  test("doctor made the harmless read request of each provider, with its credentials", async () => {
    sandbox.videodb.clearRequests();
    await runCli(["doctor"], cleanEnv(sandbox.env()));
    const request = sandbox.videodb.requests.find((recorded) => recorded.route === "/video/");
    assert.ok(request, "GET /video was requested");
    assert.equal(request.method, "GET");
    assert.equal(request.headers["x-access-token"], sandbox.credentials.videodbApiKey);
  });

  test("doctor with a wrong key reports the provider's answer and the remedy, and exits 1", async () => {
    const run = await runCli(
      ["doctor"],
      cleanEnv({ ...sandbox.env(), VIDEODB_API_KEY: "wrong-videodb-key" }),
    );
    assert.equal(run.code, 1);
    assert.match(run.stdout, /VideoDB\s+FAILED/);
    assert.match(run.stdout, /401/);
    assert.match(run.stdout, /VIDEODB_API_KEY/);
    assert.match(run.stdout, /AIOZ Stream\s+ok/);
    assert.ok(!run.stdout.includes("wrong-videodb-key"), "the key itself is never printed");
  });

  test("doctor with half of a credential pair names the missing half, and exits 1", async () => {
    const env = cleanEnv({ ...sandbox.env(), AISTUDIOS_API_KEY: "", AISTUDIOS_APP_ID: "app-1" });
    delete env.AISTUDIOS_API_KEY;
    const run = await runCli(["doctor"], env);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /AISTUDIOS_APP_ID is set but AISTUDIOS_USER_KEY is not/);
  });

  test("doctor with no provider configured says what to set, or to use --sandbox, and exits 1", async () => {
    const run = await runCli(["doctor"], cleanEnv());
    assert.equal(run.code, 1);
    assert.match(run.stdout, /No provider is configured/);
    assert.match(run.stdout, /--sandbox/);
  });

  test("doctor --sandbox checks the built-in sandbox and exits 0", async () => {
    const run = await runCli(["doctor", "--sandbox"], cleanEnv());
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /"--sandbox"/);
  });

  test("mcp.json launches the published package with every provider's variable as a placeholder", () => {
    const entry = readJson("mcp.json").mcpServers.mediagate;
    assert.equal(entry.command, "npx");
    assert.deepEqual(entry.args, ["-y", "mediagate"]);
    assert.deepEqual(Object.keys(entry.env).sort(), [
      "AIOZ_STREAM_TOKEN",
      "AISTUDIOS_API_KEY",
      "VIDEODB_API_KEY",
    ]);
    for (const value of Object.values(entry.env)) assert.match(String(value), /^<.+>$/);
  });

  test("server.json names the package as package.json does (mcpName, version) and ships with it", () => {
    const server = readJson("server.json");
    assert.equal(server.name, packageJson.mcpName);
    assert.equal(server.version, packageVersion);
    assert.ok(server.description.length <= 100, "the registry allows 100 characters");
    const [npm] = server.packages;
    assert.equal(npm.registryType, "npm");
    assert.equal(npm.identifier, "mediagate");
    assert.equal(npm.version, packageVersion);
    assert.ok(packageJson.files.includes("server.json") && packageJson.files.includes("mcp.json"));
  });

  test("--sandbox with MEDIAGATE_SANDBOX_FAILURE_RATE=1 fails every job, saying the sandbox did it", async () => {
    const client = new Client({ name: "mediagate-test", version: "1.0.0" });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [cliPath, "--sandbox"],
        env: cleanEnv({ MEDIAGATE_SANDBOX_FAILURE_RATE: "1" }),
        stderr: "pipe",
      }),
    );
    try {
      const result = await client.callTool({
        name: "videodb_generate_video",
        arguments: { prompt: "a storm at sea", wait_s: 30 },
      });
      const job = (result.structuredContent as { job: { status: string; error?: string } }).job;
      assert.equal(job.status, "failed");
      assert.match(job.error ?? "", /sandbox/i);
    } finally {
      await client.close();
    }
  });

  test("--sandbox over stdio serves every tool and tells the agent it is the sandbox", async () => {
    const client = new Client({ name: "mediagate-test", version: "1.0.0" });
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath, "--sandbox"],
      env: cleanEnv({ VIDEODB_API_KEY: "a-real-looking-key" }),
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    await client.connect(transport);
    try {
      assert.match(client.getInstructions() ?? "", /SANDBOX/);
      const { tools } = await client.listTools();
      assert.ok(tools.length >= 18);
      const result = await client.callTool({ name: "aistudios_list_models", arguments: {} });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.match(stderr, /SANDBOX/);
    } finally {
      await client.close();
    }
  });
});
