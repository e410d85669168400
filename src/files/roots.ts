import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { MediagateError } from "../errors.js";
import type { FileRootsConfig } from "../types.js";

/** True when `candidate` is `root` or below it; a sibling sharing the root's prefix is not. */
export function isWithin(candidate: string, root: string): boolean {
  const relative = path.relative(root, candidate);
  const up = relative === ".." || relative.startsWith(`..${path.sep}`);
  return relative === "" || (!up && !path.isAbsolute(relative));
}

/**
 * Why a directory (already resolved through symbolic links) may not be a file root, or undefined when it
 * may. A filesystem or drive root, the home directory, or a folder holding it would open every key and
 * setting of the user's (`~/.ssh`, `~/.aws`, a project's `.env`) to a prompt-injected agent.
 */
export async function tooBroadRoot(directory: string): Promise<string | undefined> {
  if (path.parse(directory).root === directory) return "a filesystem root";
  const home = os.homedir();
  // An empty home would resolve to the working directory, which says nothing about the user.
  if (home === "") return undefined;
  const homes = new Set([path.resolve(home), await realpath(home).catch(() => path.resolve(home))]);
  for (const candidate of homes) {
    if (path.relative(directory, candidate) === "") return "the home directory";
    if (isWithin(candidate, directory)) return "a folder that holds the home directory";
  }
  return undefined;
}

/** The configured roots, resolved through symbolic links, so later checks compare real paths. */
export async function resolveRoots(
  roots: readonly string[],
  variable = "MEDIAGATE_FILE_ROOTS",
): Promise<string[]> {
  const resolved: string[] = [];
  for (const root of roots) {
    let real: string;
    try {
      real = await realpath(path.resolve(root));
    } catch {
      throw new MediagateError("file_access", `${variable}: "${root}" is not a readable directory`);
    }
    const broad = await tooBroadRoot(real);
    if (broad) {
      throw new MediagateError(
        "invalid_input",
        `${variable}: "${root}" is ${broad}, too broad to let tools read files from: name the folders that hold your media (for example ${path.join(os.homedir() || path.sep, "Music")})`,
      );
    }
    resolved.push(real);
  }
  return resolved;
}

/** How mediagate was started, which decides whether the working directory may serve as a file root. */
export type Launch = "stdio" | "http" | "bundle";

/** The bundle's folder setting as Claude Desktop shows it (manifest.json, `user_config.file_roots`). */
const bundleSetting = `"Folders to read files from" in mediagate's settings (Claude Desktop: Settings → Extensions → mediagate → Configure)`;

/**
 * The roots tools fall back to when the client shares none: `MEDIAGATE_FILE_ROOTS` (refused at start-up
 * when a root is too broad), the bundle's chosen folders (too broad ones left out, and said so when a file
 * is refused: a folder picker is no place for a start-up failure), or over stdio the working directory
 * unless it is too broad. Over HTTP and in the bundle nothing is implicit: the working directory of a
 * service or of a desktop host is often `/` or the home directory.
 */
export async function configuredRoots(env: NodeJS.ProcessEnv, launch: Launch): Promise<FileRootsConfig> {
  const listed = (env.MEDIAGATE_FILE_ROOTS ?? "")
    .split(path.delimiter)
    .map((root) => root.trim())
    .filter((root) => root !== "");
  const shareRoots = "or open the folder in a client that shares its folders with servers as MCP roots";
  if (launch === "bundle") {
    const directories: string[] = [];
    const leftOut: string[] = [];
    for (const root of listed) {
      const real = await realpath(root).catch(() => undefined);
      const broad = real === undefined ? "not a readable folder" : await tooBroadRoot(real);
      if (real !== undefined && broad === undefined) directories.push(real);
      else
        leftOut.push(
          `"${root}" is ${broad}${real === undefined ? "" : ", too broad: choose a folder inside it"}`,
        );
    }
    return {
      directories,
      howToAllow: `add its folder under ${bundleSetting}`,
      whenNone: `no folder is open to mediagate for local files${leftOut.length ? ` (${leftOut.join("; ")})` : ""}: choose one under ${bundleSetting}, ${shareRoots}`,
    };
  }
  if (listed.length > 0) {
    return {
      directories: await resolveRoots(listed),
      howToAllow: "add its folder to MEDIAGATE_FILE_ROOTS",
      whenNone: "no folder is open to mediagate for local files: set MEDIAGATE_FILE_ROOTS",
    };
  }
  const setVariable = `set MEDIAGATE_FILE_ROOTS in mediagate's environment to the folders tools may read (separated by "${path.delimiter}")`;
  if (launch === "http") {
    return {
      directories: [],
      howToAllow: setVariable,
      whenNone: `over HTTP, mediagate reads local files only inside MEDIAGATE_FILE_ROOTS, which is not set: ${setVariable}, on the machine mediagate runs on, and restart it`,
    };
  }
  const cwd = await realpath(process.cwd()).catch(() => process.cwd());
  const broad = await tooBroadRoot(cwd);
  return {
    directories: broad ? [] : [cwd],
    howToAllow: setVariable,
    whenNone: `mediagate's working directory (${cwd}) is ${broad ?? "not usable"}, too broad to read files from: ${setVariable}, ${shareRoots}`,
  };
}

/** Directories a tool may read files from, and how a user allows another (said when a file is refused). */
export type RootList = readonly string[] & { readonly howToAllow?: string };

/** The roots with the way to allow another folder, for `readableFile`'s refusal. */
export function rootList(directories: readonly string[], howToAllow: string): RootList {
  return Object.assign([...directories], { howToAllow });
}

/** The first component of a path below a root that starts with "." (`.env`, `.ssh`, `.git`), if any. */
function hiddenPart(relative: string): string | undefined {
  return relative.split(path.sep).find((part) => part.startsWith("."));
}

/**
 * Where `candidate` stands: below a root with no hidden component on the way ("inside"), below a root
 * only through a hidden component (its name), or outside every root. A root may itself lie in a hidden
 * folder (`~/.local/media`): only the part below it counts.
 */
function placeOf(candidate: string, roots: readonly string[]): "inside" | "outside" | { hidden: string } {
  let hidden: string | undefined;
  for (const root of roots) {
    if (!isWithin(candidate, root)) continue;
    const part = hiddenPart(path.relative(root, candidate));
    if (part === undefined) return "inside";
    hidden ??= part;
  }
  return hidden === undefined ? "outside" : { hidden };
}

export interface ReadableFile {
  path: string;
  size: number;
  /** Device and inode, so the file opened later can be checked to be the one checked here. */
  dev: number;
  ino: number;
}

/**
 * Checks a path a tool was given: inside the roots as written, and again after `realpath`, so a symbolic
 * link cannot lead outside; with no hidden component (a name starting with ".") below its root, either
 * way; a regular, non-empty file of at most `maxBytes`, readable by this process. Relative paths are
 * taken from the first root. The roots are what `ToolContext.fileRoots()` gives.
 */
export async function readableFile(
  filePath: string,
  roots: RootList,
  field = "file_path",
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<ReadableFile> {
  const howToAllow = roots.howToAllow ?? "add its folder to MEDIAGATE_FILE_ROOTS";
  if (roots.length === 0) {
    throw new MediagateError(
      "file_access",
      `${field}: no folder is open to mediagate for local files; ${howToAllow}`,
    );
  }
  const check = (candidate: string) => {
    const place = placeOf(candidate, roots);
    if (place === "inside") return;
    if (place === "outside") {
      throw new MediagateError(
        "file_access",
        `${field}: "${filePath}" is outside the allowed directories (${roots.join(", ")}); move the file into one of them, or ${howToAllow}`,
      );
    }
    throw new MediagateError(
      "file_access",
      `${field}: "${filePath}" goes through "${place.hidden}", a hidden name (starting with "."); mediagate never reads hidden files or folders, which hold keys and settings (.env, .ssh, .git): move the file to a folder without a leading "." inside the allowed directories`,
    );
  };
  const requested = path.resolve(roots[0] as string, filePath);
  check(requested);
  let real: string;
  try {
    real = await realpath(requested);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MediagateError(
      "file_access",
      code === "ENOENT"
        ? `${field}: no file at "${filePath}"`
        : `${field}: "${filePath}" cannot be read (${code})`,
    );
  }
  check(real);
  const info = await stat(real);
  if (!info.isFile())
    throw new MediagateError("file_access", `${field}: "${filePath}" is not a regular file`);
  if (info.size === 0) throw new MediagateError("file_access", `${field}: "${filePath}" is empty`);
  if (info.size > maxBytes) {
    throw new MediagateError(
      "too_large",
      `${field}: "${filePath}" is ${info.size} bytes, more than the ${maxBytes} bytes allowed`,
    );
  }
  try {
    await access(real, constants.R_OK);
  } catch {
    throw new MediagateError("file_access", `${field}: "${filePath}" is not readable by mediagate`);
  }
  return { path: real, size: info.size, dev: info.dev, ino: info.ino };
}
