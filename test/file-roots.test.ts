import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  type Root,
} from "@modelcontextprotocol/sdk/types.js";
import { loadSettings } from "../src/config.js";
import { isPrivateAddress } from "../src/files/address-ranges.js";
import { isWithin, readableFile, resolveRoots } from "../src/files/roots.js";
import { startSandbox } from "../src/sandbox/index.js";
import { createRuntime, createServer } from "../src/server.js";
import { startHttpServer } from "../src/transport/http.js";
import { callTool, testBasePaths } from "./helpers/harness.js";
import { startInProcess } from "./helpers/in-process.js";
import { failed, succeeded } from "./helpers/outcome.js";

let base: string;
let root: string;
let roots: string[];

before(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), "mediagate-roots-"));
  root = path.join(base, "media");
  await mkdir(root);
  await mkdir(path.join(base, "media-private"));
  await mkdir(path.join(root, "album"));
  await writeFile(path.join(root, "album", "song.mp3"), "inside");
  await writeFile(path.join(base, "media-private", "secret.mp3"), "outside");
  await writeFile(path.join(base, "outside.mp3"), "outside");
  await symlink(path.join(base, "outside.mp3"), path.join(root, "escape.mp3"));
  await symlink(path.join(base, "media-private"), path.join(root, "linked-dir"));
  await symlink(path.join(root, "album", "song.mp3"), path.join(root, "alias.mp3"));
  for (const hidden of [".env", ".ssh/id_rsa", ".git/config", "album/.cache/song.mp3", ".secret/key"]) {
    await mkdir(path.dirname(path.join(root, hidden)), { recursive: true });
    await writeFile(path.join(root, hidden), "a secret");
  }
  await symlink(path.join(root, ".secret", "key"), path.join(root, "innocent.mp3"));
  await mkdir(path.join(base, ".config", "media"), { recursive: true });
  await writeFile(path.join(base, ".config", "media", "song.mp3"), "inside");
  roots = await resolveRoots([root]);
});

after(async () => {
  await rm(base, { recursive: true, force: true });
});

describe("file roots", () => {
  it("accepts a file inside a root, by absolute or relative path", async () => {
    const file = await readableFile(path.join(root, "album", "song.mp3"), roots);
    assert.equal(file.size, 6);
    assert.equal((await readableFile("album/song.mp3", roots)).path, file.path);
  });

  it("accepts a symbolic link that stays inside the roots", async () => {
    const file = await readableFile(path.join(root, "alias.mp3"), roots);
    assert.equal(file.path, await readableFile("album/song.mp3", roots).then((f) => f.path));
  });

  it("refuses a symbolic link that leads outside the roots, to a file or through a directory", async () => {
    await assert.rejects(
      readableFile(path.join(root, "escape.mp3"), roots),
      /outside the allowed directories/,
    );
    await assert.rejects(
      readableFile(path.join(root, "linked-dir", "secret.mp3"), roots),
      /outside the allowed directories/,
    );
  });

  it("refuses a sibling directory that shares the root's name as a prefix", async () => {
    await assert.rejects(
      readableFile(path.join(base, "media-private", "secret.mp3"), roots),
      /outside the allowed directories/,
    );
    assert.equal(isWithin(path.join(base, "media-private"), path.join(base, "media")), false);
    assert.equal(isWithin(path.join(root, "..hidden"), root), true);
  });

  it("refuses a path climbing out with ..", async () => {
    await assert.rejects(readableFile("../outside.mp3", roots), /outside the allowed directories/);
  });

  it("names the allowed directories in the error", async () => {
    await assert.rejects(readableFile("/etc/hostname", roots), (error: Error) =>
      error.message.includes(roots[0] as string),
    );
  });

  it("refuses a file larger than the limit", async () => {
    await assert.rejects(
      readableFile("album/song.mp3", roots, "file_path", 5),
      /more than the 5 bytes allowed/,
    );
  });
});

describe("private addresses", () => {
  it("counts loopback, private, link-local and mapped addresses as private, and public ones not", () => {
    for (const address of [
      "127.0.0.1",
      "10.0.0.8",
      "172.20.1.1",
      "192.168.1.1",
      "169.254.169.254",
      "::1",
      "fd00::1",
      "fe80::1",
      "::ffff:127.0.0.1",
      "0.0.0.0",
    ]) {
      assert.equal(isPrivateAddress(address), true, address);
    }
    for (const address of ["93.184.216.34", "8.8.8.8", "2606:4700::1111"]) {
      assert.equal(isPrivateAddress(address), false, address);
    }
  });
});

describe("file roots through the MCP client", () => {
  it("aioz_upload_audio refuses a symbolic link out of MEDIAGATE_FILE_ROOTS, before any request", async () => {
    const h = await startInProcess();
    try {
      const outside = path.join(base, "outside.mp3");
      await symlink(outside, path.join(h.filesDir, "escape.mp3"));
      failed(
        await h.call("aioz_upload_audio", { file_path: "escape.mp3", wait_s: 0 }),
        /outside the allowed directories/,
        /MEDIAGATE_FILE_ROOTS/,
      );
      assert.deepEqual(h.sandbox.aioz.requests, []);
    } finally {
      await h.close();
    }
  });
});

/** An SDK client that shares folders as its MCP roots, and counts how often it is asked for them. */
function clientWithRoots(folders: string[]) {
  let roots: Root[] = folders.map((folder) => ({ uri: pathToFileURL(folder).href }));
  let asked = 0;
  const client = new Client(
    { name: "roots-client", version: "1.0.0" },
    { capabilities: { roots: { listChanged: true } } },
  );
  client.setRequestHandler(ListRootsRequestSchema, async () => {
    asked += 1;
    return { roots };
  });
  return {
    client,
    asked: () => asked,
    /** Shares other roots (raw URIs allowed) and tells the server they changed. */
    async share(next: Array<string | Root>) {
      roots = next.map((root) => (typeof root === "string" ? { uri: pathToFileURL(root).href } : root));
      await client.sendRootsListChanged();
    },
  };
}

const partRoutes = (requests: ReadonlyArray<{ method: string; route: string }>) =>
  requests.filter((request) => request.method === "POST" && /^\/media\/[^/]+\/part$/.test(request.route));

describe("the client's MCP roots", () => {
  it("come first: files inside them upload, MEDIAGATE_FILE_ROOTS stops applying, and a changed list is read again", async () => {
    const first = await mkdtemp(path.join(os.tmpdir(), "mediagate-client-root-a-"));
    const second = await mkdtemp(path.join(os.tmpdir(), "mediagate-client-root-b-"));
    const roots = clientWithRoots([first]);
    const h = await startInProcess({ client: roots.client });
    try {
      await writeFile(path.join(first, "a.mp3"), randomBytes(3000));
      await writeFile(path.join(second, "b.mp3"), randomBytes(3000));
      await writeFile(path.join(h.filesDir, "configured.mp3"), randomBytes(3000));
      await h.client.listTools();
      assert.equal(roots.asked(), 0, "roots are asked for when a file is first read, not before");

      succeeded(
        await h.call("aioz_upload_audio", { file_path: path.join(first, "a.mp3"), title: "A", wait_s: 0 }),
      );
      succeeded(await h.call("aioz_upload_audio", { file_path: "a.mp3", title: "A again", wait_s: 0 }));
      assert.equal(partRoutes(h.sandbox.aioz.requests).length, 2);
      assert.equal(roots.asked(), 1, "the list is kept until the client says it changed");

      h.clearRequests();
      failed(
        await h.call("aioz_upload_audio", { file_path: path.join(h.filesDir, "configured.mp3"), wait_s: 0 }),
        /outside the allowed directories/,
        new RegExp(path.basename(first)),
        /the folders the client shares/,
      );
      assert.deepEqual(h.sandbox.aioz.requests, []);

      await roots.share([second]);
      succeeded(
        await h.call("aioz_upload_audio", { file_path: path.join(second, "b.mp3"), title: "B", wait_s: 0 }),
      );
      assert.equal(roots.asked(), 2, "asked again after notifications/roots/list_changed");
      h.clearRequests();
      failed(
        await h.call("aioz_upload_audio", { file_path: path.join(first, "a.mp3"), wait_s: 0 }),
        /outside the allowed directories/,
        new RegExp(path.basename(second)),
      );
      assert.deepEqual(h.sandbox.aioz.requests, []);
    } finally {
      await h.close();
      await rm(first, { recursive: true, force: true });
      await rm(second, { recursive: true, force: true });
    }
  });

  it("a root that is / or the home directory is ignored with a log line, and the configured roots apply", async () => {
    const roots = clientWithRoots([]);
    const logged: string[] = [];
    const h = await startInProcess({ client: roots.client });
    try {
      await roots.share([path.parse(process.cwd()).root, os.homedir(), { uri: "file://media-server/share" }]);
      await h.client.setLoggingLevel("warning");
      roots.client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
        logged.push(JSON.stringify(notification.params.data));
      });
      await writeFile(path.join(h.filesDir, "configured.mp3"), randomBytes(3000));
      succeeded(await h.call("aioz_upload_audio", { file_path: "configured.mp3", title: "C", wait_s: 0 }));
      assert.equal(roots.asked(), 1);
      assert.ok(
        logged.some((line) => /ignoring the client's root file:\/\/\/.*filesystem root/.test(line)),
        logged.join("\n"),
      );
      assert.ok(
        logged.some((line) => line.includes(pathToFileURL(os.homedir()).href)),
        logged.join("\n"),
      );
      assert.ok(
        logged.some((line) => /file:\/\/media-server\/share.*not a readable local folder/.test(line)),
        logged.join("\n"),
      );
    } finally {
      await h.close();
    }
  });

  it("a client that fails to list its roots leaves MEDIAGATE_FILE_ROOTS in force, and is asked again next time", async () => {
    const client = new Client(
      { name: "roots-client", version: "1.0.0" },
      { capabilities: { roots: { listChanged: true } } },
    );
    let asked = 0;
    client.setRequestHandler(ListRootsRequestSchema, async () => {
      asked += 1;
      throw new Error("no folder chosen yet");
    });
    const h = await startInProcess({ client });
    try {
      await writeFile(path.join(h.filesDir, "configured.mp3"), randomBytes(3000));
      succeeded(await h.call("aioz_upload_audio", { file_path: "configured.mp3", title: "C", wait_s: 0 }));
      succeeded(await h.call("aioz_upload_audio", { file_path: "configured.mp3", title: "C", wait_s: 0 }));
      assert.equal(asked, 2);
    } finally {
      await h.close();
    }
  });

  it("a client that lists no roots leaves MEDIAGATE_FILE_ROOTS in force", async () => {
    const roots = clientWithRoots([]);
    const h = await startInProcess({ client: roots.client });
    try {
      await writeFile(path.join(h.filesDir, "configured.mp3"), randomBytes(3000));
      succeeded(await h.call("aioz_upload_audio", { file_path: "configured.mp3", title: "C", wait_s: 0 }));
      assert.equal(roots.asked(), 1);
    } finally {
      await h.close();
    }
  });
});

describe("roots mediagate refuses", () => {
  it("MEDIAGATE_FILE_ROOTS naming /, the home directory or a folder holding it stops start-up", async () => {
    const fsRoot = path.parse(process.cwd()).root;
    await assert.rejects(
      loadSettings({ MEDIAGATE_FILE_ROOTS: fsRoot }),
      /MEDIAGATE_FILE_ROOTS: ".*" is a filesystem root, too broad/,
    );
    await assert.rejects(
      loadSettings({ MEDIAGATE_FILE_ROOTS: [root, os.homedir()].join(path.delimiter) }),
      (error: Error) =>
        error.message.includes(`"${os.homedir()}" is the home directory, too broad`) &&
        error.message.includes("name the folders that hold your media"),
    );
    const aboveHome = path.dirname(os.homedir());
    await assert.rejects(
      loadSettings({ MEDIAGATE_FILE_ROOTS: aboveHome }),
      aboveHome === fsRoot ? /filesystem root/ : /holds the home directory/,
    );
  });

  it("refuses a hidden file or folder below its root, as written and through a symbolic link; a root inside a hidden folder still serves", async () => {
    for (const hidden of [".env", ".ssh/id_rsa", ".git/config", "album/.cache/song.mp3"]) {
      await assert.rejects(readableFile(hidden, roots), (error: Error) => {
        assert.match(error.message, /a hidden name \(starting with "\."\)/);
        assert.ok(error.message.includes(`"${hidden.split("/").find((part) => part.startsWith("."))}"`));
        return true;
      });
    }
    await assert.rejects(readableFile("innocent.mp3", roots), /goes through "\.secret", a hidden name/);
    // Only the part below the root counts: a root the user chose inside a hidden folder is theirs to allow.
    const hiddenRoot = await resolveRoots([path.join(base, ".config", "media")]);
    assert.equal((await readableFile("song.mp3", hiddenRoot)).size, 6);
  });

  it("aioz_upload_audio refuses a hidden file before any request", async () => {
    const h = await startInProcess();
    try {
      await writeFile(path.join(h.filesDir, ".env"), "VIDEODB_API_KEY=not-for-upload");
      failed(
        await h.call("aioz_upload_audio", { file_path: ".env", wait_s: 0 }),
        /file_path: ".env" goes through ".env"/,
      );
      assert.deepEqual(h.sandbox.aioz.requests, []);
    } finally {
      await h.close();
    }
  });
});

describe("no implicit root over HTTP", () => {
  it("without MEDIAGATE_FILE_ROOTS, file_path is refused with how to allow a folder, and no client is asked for roots", async () => {
    const sandbox = await startSandbox({ basePaths: testBasePaths });
    const settings = await loadSettings(sandbox.env(), { http: true });
    const runtime = createRuntime(settings);
    const server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      createServer: () => createServer(runtime),
    });
    const roots = clientWithRoots([process.cwd()]);
    try {
      await roots.client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
      // A file in the working directory, which over stdio would be readable.
      const outcome = await callTool(roots.client, [], "aioz_upload_audio", {
        file_path: "package.json",
        wait_s: 0,
      });
      failed(
        outcome,
        /file_path: over HTTP, mediagate reads local files only inside MEDIAGATE_FILE_ROOTS, which is not set/,
        /set MEDIAGATE_FILE_ROOTS in mediagate's environment to the folders tools may read/,
      );
      assert.equal(roots.asked(), 0);
      assert.deepEqual(sandbox.aioz.requests, []);
    } finally {
      await roots.client.close();
      await server.close(0);
      await sandbox.close();
    }
  });
});
