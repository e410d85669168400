import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { allOperations } from "../src/catalog.js";
import { loadSettings } from "../src/config.js";
import { MEDIA_META_KEY, PLAYER_URI } from "../src/player/meta.js";
import { cliPath, type Harness, startHarness } from "./helpers/harness.js";
import { cleanEnv, runCli } from "./helpers/server-process.js";

interface PlayerResource {
  uri: string;
  mimeType?: string;
  text?: string;
  _meta?: { ui?: { csp?: { connectDomains?: string[]; resourceDomains?: string[] } } };
}

async function readPlayer(client: Client): Promise<PlayerResource> {
  const { contents } = await client.readResource({ uri: PLAYER_URI });
  assert.equal(contents.length, 1);
  return contents[0] as PlayerResource;
}

describe("the player resource (MCP Apps)", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      env: { MEDIAGATE_MEDIA_ORIGINS: "https://media.example.com https://*.cdn.example.net" },
    });
  });
  after(async () => {
    await h?.close();
  });

  test("a tool shows the player exactly when its declaration says ui: player, and names the media it holds", async () => {
    const { tools } = await h.client.listTools();
    const declared = new Map(allOperations.map((operation) => [operation.name, operation]));
    assert.ok(tools.some((tool) => declared.get(tool.name)?.ui === "player"));
    for (const tool of tools) {
      const operation = declared.get(tool.name);
      if (operation?.ui === "player") {
        const expected = operation.media
          ? { ui: { resourceUri: PLAYER_URI }, [MEDIA_META_KEY]: operation.media }
          : { ui: { resourceUri: PLAYER_URI } };
        assert.deepEqual(tool._meta, expected, tool.name);
      } else {
        assert.equal(tool._meta, undefined, tool.name);
      }
    }
    // The view polls job_status itself: the tool keeps the default visibility (model and app), no copy.
    assert.equal(tools.filter((tool) => tool.name.startsWith("job_status")).length, 1);
  });

  test("is listed once, as an MCP App page", async () => {
    const { resources } = await h.client.listResources();
    assert.deepEqual(
      resources.map((resource) => [resource.uri, resource.mimeType]),
      [[PLAYER_URI, "text/html;profile=mcp-app"]],
    );
  });

  test("is one self-contained HTML page: no script, style or font is fetched", async () => {
    const page = await readPlayer(h.client);
    assert.equal(page.mimeType, "text/html;profile=mcp-app");
    const html = page.text ?? "";
    assert.match(html, /^<!doctype html>/i);
    assert.doesNotMatch(html, /<script[^>]+src=/i);
    assert.doesNotMatch(html, /<link[^>]+href=/i);
    assert.doesNotMatch(html, /@import|url\(\s*["']?https?:/i);
    assert.match(html, /enableWorker/, "hls.js is inside the page");
  });

  test("declares the emulators' origins and MEDIAGATE_MEDIA_ORIGINS in its CSP", async () => {
    const csp = (await readPlayer(h.client))._meta?.ui?.csp;
    const env = h.sandbox.env();
    const origins = [env.VIDEODB_BASE_URL, env.AIOZ_STREAM_BASE_URL, env.AISTUDIOS_BASE_URL].map(
      (url) => new URL(url ?? "").origin,
    );
    for (const origin of [...origins, "https://media.example.com", "https://*.cdn.example.net"]) {
      assert.ok(csp?.resourceDomains?.includes(origin), `resourceDomains has ${origin}`);
      assert.ok(csp?.connectDomains?.includes(origin), `connectDomains has ${origin}`);
    }
  });

  test("with the real providers, no API origin nor cdn.videodb.io may serve the view a script", async () => {
    // resourceDomains is also script-src and style-src in ext-apps: only origins whose media elements load.
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath],
      env: cleanEnv({
        VIDEODB_API_KEY: "test-key",
        AIOZ_STREAM_TOKEN: "test-token",
        AISTUDIOS_API_KEY: "test-key",
      }),
      stderr: "ignore",
    });
    const client = new Client({ name: "player-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const csp = (await readPlayer(client))._meta?.ui?.csp;
      assert.deepEqual(csp?.resourceDomains, ["https://stream.videodb.io", "https://api.aiozstream.network"]);
      assert.deepEqual(csp?.connectDomains, [
        "https://stream.videodb.io",
        "https://cdn.videodb.io",
        "https://api.aiozstream.network",
        "https://app.aistudios.cn",
      ]);
    } finally {
      await client.close();
    }
  });

  test("with --sandbox, declares only the emulators' origins", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath, "--sandbox"],
      env: cleanEnv(),
      stderr: "ignore",
    });
    const client = new Client({ name: "player-test", version: "1.0.0" });
    await client.connect(transport);
    try {
      const csp = (await readPlayer(client))._meta?.ui?.csp;
      assert.equal(csp?.resourceDomains?.length, 3);
      for (const origin of csp?.resourceDomains ?? []) assert.match(origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await client.close();
    }
  });

  test("an invalid MEDIAGATE_MEDIA_ORIGINS stops start-up and names the variable", async () => {
    const run = await runCli(["--sandbox"], cleanEnv({ MEDIAGATE_MEDIA_ORIGINS: "media.example.com/path" }));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /MEDIAGATE_MEDIA_ORIGINS: "media\.example\.com\/path" is not an origin/);
  });

  test("MEDIAGATE_MEDIA_ORIGINS refuses http: except on loopback, and wildcards over a public suffix", async () => {
    const settingsWith = (origins: string) => loadSettings({ MEDIAGATE_MEDIA_ORIGINS: origins });
    for (const origin of ["http://media.example.com", "http://*.localhost:8080"]) {
      await assert.rejects(
        settingsWith(origin),
        /MEDIAGATE_MEDIA_ORIGINS: ".*" is http: media origins must be https/,
      );
    }
    for (const origin of [
      "https://*.com",
      "https://*.co.uk",
      "https://*.cloudfront.net",
      "https://*.github.io",
    ]) {
      await assert.rejects(
        settingsWith(origin),
        (error: Error) => error.message.includes(`"${origin}" covers a public suffix`),
        origin,
      );
    }
    const accepted = await settingsWith(
      "http://127.0.0.1:8080 http://localhost:9000, https://*.example.com https://*.media.example.co.uk https://MEDIA.example.org/",
    );
    assert.deepEqual(accepted.mediaOrigins, [
      "http://127.0.0.1:8080",
      "http://localhost:9000",
      "https://*.example.com",
      "https://*.media.example.co.uk",
      "https://media.example.org",
    ]);
  });

  test("results keep their text and structuredContent: the view adds nothing to them", async () => {
    const outcome = await h.call("videodb_list_videos");
    assert.equal(outcome.result._meta, undefined);
    assert.deepEqual(JSON.parse(outcome.text.slice(outcome.text.indexOf("{"))), outcome.structured);
  });
});
