import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { getMcpConfigForManifest, type McpbManifestAny } from "@anthropic-ai/mcpb";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { cleanEnv } from "./helpers/server-process.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const mcpbCli = path.join(root, "node_modules/@anthropic-ai/mcpb/dist/cli/cli.js");

/** Starts the unpacked bundle the way Claude Desktop does: the manifest's command and args, user_config substituted. */
async function startBundled(dir: string, manifest: McpbManifestAny, userConfig: Record<string, unknown>) {
  const config = await getMcpConfigForManifest({
    manifest,
    extensionPath: dir,
    systemDirs: {
      HOME: os.homedir(),
      DESKTOP: os.homedir(),
      DOCUMENTS: os.homedir(),
      DOWNLOADS: os.homedir(),
    },
    userConfig: userConfig as never,
    pathSeparator: path.sep,
  });
  assert.ok(config, "the manifest gives a server configuration");
  assert.equal(config.command, "node");
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: config.args ?? [],
    // Claude Desktop starts the server with no project checkout around it: cwd is the unpacked bundle.
    cwd: dir,
    env: cleanEnv(config.env ?? {}),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const client = new Client({ name: "bundle-test", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe("the MCP Bundle (mediagate.mcpb)", () => {
  let work: string;
  let unpacked: string;
  let manifest: McpbManifestAny;
  let bundleBytes = 0;

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "mediagate-mcpb-"));
    const bundle = path.join(work, "mediagate.mcpb");
    await run(process.execPath, [path.join(root, "scripts/bundle.mjs"), bundle], { cwd: root });
    bundleBytes = (await stat(bundle)).size;
    unpacked = path.join(work, "unpacked");
    await run(process.execPath, [mcpbCli, "unpack", bundle, unpacked]);
    manifest = JSON.parse(await readFile(path.join(unpacked, "manifest.json"), "utf8"));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("manifest.json passes mcpb validate", async () => {
    const { stdout } = await run(process.execPath, [mcpbCli, "validate", path.join(root, "manifest.json")]);
    assert.match(stdout, /validation passes/);
  });

  test("every credential is an optional, sensitive user_config field; file roots are a directory list; sandbox is a switch", () => {
    const fields = manifest.user_config ?? {};
    const env = manifest.server.mcp_config.env ?? {};
    const credentials = [
      "VIDEODB_API_KEY",
      "AIOZ_STREAM_TOKEN",
      "AIOZ_STREAM_PUBLIC_KEY",
      "AIOZ_STREAM_SECRET_KEY",
      "AISTUDIOS_API_KEY",
      "AISTUDIOS_APP_ID",
      "AISTUDIOS_USER_KEY",
    ];
    for (const variable of credentials) {
      const key = /^\$\{user_config\.(\w+)\}$/.exec(env[variable] ?? "")?.[1];
      assert.ok(key, `${variable} comes from a user_config field`);
      assert.equal(fields[key]?.sensitive, true, `${key} is sensitive`);
      assert.notEqual(fields[key]?.required, true, `${key} is optional`);
    }
    assert.equal(fields.file_roots?.type, "directory");
    assert.equal(fields.file_roots?.multiple, true);
    assert.equal(fields.sandbox?.type, "boolean");
  });

  test("is small and carries no node_modules", async () => {
    assert.ok(bundleBytes < 2 * 1024 * 1024, `mediagate.mcpb is ${bundleBytes} bytes`);
    const entries = await readdir(unpacked, { recursive: true });
    assert.deepEqual(
      entries.filter((entry) => entry.split(path.sep).includes("node_modules")),
      [],
    );
    assert.ok(entries.includes(path.join("server", "player.html")), entries.join());
  });

  test("started as Claude Desktop starts it, with the sandbox on, lists every tool and answers a call", async () => {
    const files = await mkdtemp(path.join(os.tmpdir(), "mediagate-mcpb-files-"));
    const server = await startBundled(unpacked, manifest, { sandbox: true, file_roots: [files] });
    try {
      const { tools } = await server.client.listTools();
      assert.equal(tools.length, 26, tools.map((tool) => tool.name).join(", "));
      const result = (await server.client.callTool({
        name: "videodb_list_videos",
        arguments: {},
      })) as CallToolResult;
      assert.notEqual(result.isError, true, JSON.stringify(result.content));
      const videos = (result.structuredContent as { videos: Array<{ stream_url?: string }> }).videos;
      assert.match(videos[0]?.stream_url ?? "", /^http:\/\/127\.0\.0\.1:\d+\/sandbox\/videodb\//);
      // The chosen folder is the only file root: a path outside it is refused.
      const outside = await server.client.callTool({
        name: "aioz_upload_audio",
        arguments: { file_path: path.join(os.tmpdir(), "elsewhere.wav"), title: "x" },
      });
      assert.equal(outside.isError, true);
      assert.match(JSON.stringify(outside.content), new RegExp(path.basename(files)));
    } finally {
      await server.client.close();
      await rm(files, { recursive: true, force: true });
    }
  });

  test("a provider's credential from user_config turns on its tools, and empty fields leave the others off", async () => {
    const server = await startBundled(unpacked, manifest, { videodb_api_key: "vdb-key-from-settings" });
    try {
      const { tools } = await server.client.listTools();
      const names = tools.map((tool) => tool.name);
      assert.ok(names.includes("videodb_generate_stream"));
      assert.ok(
        !names.some((name) => name.startsWith("aioz_") || name.startsWith("aistudios_")),
        names.join(),
      );
      assert.doesNotMatch(server.stderr(), /vdb-key-from-settings/);
    } finally {
      await server.client.close();
    }
  });
});
