import { constants } from "node:fs";
import { access, realpath, stat } from "node:fs/promises";
import path from "node:path";
import { MediagateError } from "../errors.js";

/** True when `candidate` is `root` or below it; a sibling sharing the root's prefix is not. */
export function isWithin(candidate: string, root: string): boolean {
  const relative = path.relative(root, candidate);
  const up = relative === ".." || relative.startsWith(`..${path.sep}`);
  return relative === "" || (!up && !path.isAbsolute(relative));
}

/** The configured roots, resolved through symbolic links, so later checks compare real paths. */
export async function resolveRoots(roots: readonly string[]): Promise<string[]> {
  const resolved: string[] = [];
  for (const root of roots) {
    try {
      resolved.push(await realpath(path.resolve(root)));
    } catch {
      throw new MediagateError("file_access", `MEDIAGATE_FILE_ROOTS: "${root}" is not a readable directory`);
    }
  }
  return resolved;
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
 * link cannot lead outside; a regular, non-empty file of at most `maxBytes`, readable by this process.
 * Relative paths are taken from the first root.
 */
export async function readableFile(
  filePath: string,
  roots: readonly string[],
  field = "file_path",
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<ReadableFile> {
  const rootList = roots.join(", ");
  const outside = () =>
    new MediagateError(
      "file_access",
      `${field}: "${filePath}" is outside the allowed directories (${rootList}); move the file there or add its directory to MEDIAGATE_FILE_ROOTS`,
    );
  if (roots.length === 0) throw outside();
  const requested = path.resolve(roots[0] as string, filePath);
  if (!roots.some((root) => isWithin(requested, root))) throw outside();
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
  if (!roots.some((root) => isWithin(real, root))) throw outside();
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
