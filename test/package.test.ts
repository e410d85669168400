import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { cleanEnv } from "./helpers/server-process.js";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/** The bytes of every file under `dir`. */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const at = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(at);
    else if (entry.isFile()) total += (await stat(at)).size;
  }
  return total;
}

/** Every package folder under node_modules, scoped ones included. */
async function installedPackages(modules: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(modules)) {
    if (entry.startsWith(".")) continue;
    if (entry.startsWith("@")) {
      for (const scoped of await readdir(path.join(modules, entry))) names.push(`${entry}/${scoped}`);
    } else names.push(entry);
  }
  return names;
}

describe("the published package", () => {
  let work: string;
  let project: string;
  let packages: string[] = [];

  before(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), "mediagate-pack-"));
    // dist/ is built by `npm test` before the tests run; packing must not rebuild it under the other tests.
    const { stdout } = await run(npm, ["pack", "--ignore-scripts", "--json", "--pack-destination", work], {
      cwd: root,
    });
    const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
    assert.ok(packed);
    project = path.join(work, "project");
    await mkdir(project);
    await writeFile(path.join(project, "package.json"), '{"name":"consumer","private":true}\n');
    // Offline, from the cache `npm ci` filled. That cache holds undici's tarball by its URL but not the
    // package document a range lookup asks for, so undici is named by the tarball the lock file pins.
    const lock = JSON.parse(await readFile(path.join(root, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version: string }>;
    };
    const undici = lock.packages["node_modules/undici"]?.version;
    await run(
      npm,
      [
        "install",
        "--offline",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        path.join(work, packed.filename),
        `https://registry.npmjs.org/undici/-/undici-${undici}.tgz`,
      ],
      { cwd: project },
    );
    packages = await installedPackages(path.join(project, "node_modules"));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  test("declares only undici as a runtime dependency: the SDK and zod are inside the bundle", async () => {
    const manifest = JSON.parse(
      await readFile(path.join(project, "node_modules/mediagate/package.json"), "utf8"),
    ) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies), ["undici"]);
    const packages = await installedPackages(path.join(project, "node_modules"));
    assert.deepEqual(packages.sort(), ["mediagate", "undici"]);
  });

  test("carries what runs: the bundle, the player page and the sandbox's media, no source maps", async (t) => {
    const dist = await readdir(path.join(project, "node_modules/mediagate/dist"));
    assert.ok(
      dist.includes("cli.js") && dist.includes("player.html") && dist.includes("assets"),
      dist.join(),
    );
    assert.deepEqual(
      dist.filter((file) => file.endsWith(".map")),
      [],
    );
    const kib = (await treeBytes(path.join(project, "node_modules"))) / 1024;
    t.diagnostic(`installed: ${packages.length} packages, ${(kib / 1024).toFixed(1)} MiB`);
    assert.ok(kib < 10 * 1024, `${kib} KiB installed`);
  });

  test("installed from the tarball, starts over stdio, lists its tools and calls a provider", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(project, "node_modules/mediagate/dist/cli.js"), "--sandbox"],
      cwd: project,
      env: cleanEnv(),
      stderr: "pipe",
    });
    const client = new Client({ name: "package-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const { tools } = await client.listTools();
      assert.equal(tools.length, 26);
      // A provider request loads undici from the installed node_modules.
      const result = (await client.callTool({
        name: "aistudios_list_models",
        arguments: {},
      })) as CallToolResult;
      assert.notEqual(result.isError, true, JSON.stringify(result.content));
      const resource = await client.readResource({ uri: "ui://mediagate/player" });
      assert.match(String((resource.contents[0] as { text?: string }).text), /^<!doctype html>/i);
    } finally {
      await client.close();
    }
  });
});
