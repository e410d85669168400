import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { cliPath } from "./helpers/harness.js";
import { cleanEnv, type ServerProcess, startServerProcess } from "./helpers/server-process.js";

const run = promisify(execFile);
const inspector = path.resolve(import.meta.dirname, "../node_modules/.bin/mcp-inspector");

interface ListedTool {
  name: string;
  annotations?: { readOnlyHint?: boolean };
}

/** Runs `mcp-inspector --cli <target...> <args...>` and parses the JSON it prints. */
async function inspect(target: string[], args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(inspector, ["--cli", ...target, ...args], {
    env: cleanEnv(),
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

function resultText(result: Record<string, unknown>): string {
  const content = result.content as { type: string; text?: string }[];
  return content.map((block) => block.text ?? "").join("\n");
}

describe("the MCP Inspector CLI against the built server", () => {
  const stdio = ["node", cliPath, "--sandbox"];

  test("lists every tool, each with its annotations, over stdio", async () => {
    const listed = await inspect(stdio, ["--method", "tools/list"]);
    const tools = listed.tools as ListedTool[];
    assert.ok(tools.length >= 18, `${tools.length} tools`);
    for (const tool of tools) assert.equal(typeof tool.annotations?.readOnlyHint, "boolean", tool.name);
  });

  test("calls a tool with arguments over stdio", async () => {
    const result = await inspect(stdio, [
      "--method",
      "tools/call",
      "--tool-name",
      "aistudios_export_audio",
      "--tool-arg",
      "language=en",
      "--tool-arg",
      "text=Hello from mediagate",
      "--tool-arg",
      "model=M000045058",
    ]);
    assert.notEqual(result.isError, true, resultText(result));
    const structured = result.structuredContent as { download_url: string };
    assert.match(structured.download_url, /^http:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(resultText(result).includes(structured.download_url), "the URL is in the text too");
  });

  describe("over Streamable HTTP (what npm start serves)", () => {
    let server: ServerProcess;
    before(async () => {
      server = await startServerProcess(["--sandbox"], cleanEnv());
    });
    after(async () => {
      await server?.kill();
    });

    test("lists the tools", async () => {
      const listed = await inspect([server.url, "--transport", "http"], ["--method", "tools/list"]);
      assert.ok((listed.tools as ListedTool[]).length >= 18);
    });

    test("calls a tool, and the URLs it returns open", async () => {
      const result = await inspect(
        [server.url, "--transport", "http"],
        ["--method", "tools/call", "--tool-name", "videodb_list_videos"],
      );
      assert.notEqual(result.isError, true, resultText(result));
      const [video] = (result.structuredContent as { videos: Record<string, string>[] }).videos;
      assert.ok(video);
      for (const field of ["stream_url", "player_url", "thumbnail_url"]) {
        const url: string | undefined = video[field];
        assert.ok(url, `${field} is present`);
        const response = await fetch(url);
        assert.equal(response.status, 200, `${field} ${url}`);
        await response.arrayBuffer();
      }
    });
  });
});
