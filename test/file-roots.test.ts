import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { isPrivateAddress } from "../src/files/address-ranges.js";
import { isWithin, readableFile, resolveRoots } from "../src/files/roots.js";
import { startInProcess } from "./helpers/in-process.js";
import { failed } from "./helpers/outcome.js";

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
