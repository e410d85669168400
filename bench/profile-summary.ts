import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isMain } from "./targets.js";

/**
 * Self time of a `node --cpu-prof` profile (BENCH_PROFILE_DIR), summed per function and per source file.
 * Positions in the bundle are mapped back through its source maps, so `dist/cli.js` reads as the files of
 * `src/` and `node_modules/` it was built from.
 *
 *   node --import tsx bench/profile-summary.ts prof/CPU.*.cpuprofile [--top 25]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time in V8's idle state (waiting for I/O), left out of the shares below. */
  idleMs: number;
  byFunction: SelfTime[];
  byFile: SelfTime[];
}

const maps = new Map<string, SourceMap | undefined>();
function sourceMapOf(url: string): SourceMap | undefined {
  if (!maps.has(url)) {
    let map: SourceMap | undefined;
    try {
      const file = fileURLToPath(url);
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      map = undefined;
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

/** Where a frame comes from: its original file and line when the bundle's map knows it. */
function origin(frame: ProfileNode["callFrame"]): { file: string; line: number } {
  if (!frame.url) return { file: `(${frame.functionName || "native"})`, line: 0 };
  const map = frame.url.startsWith("file:") ? sourceMapOf(frame.url) : undefined;
  const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  if (entry?.originalSource) {
    const source = entry.originalSource.replace(/^.*?(node_modules\/|src\/)/, "$1");
    return { file: source, line: (entry.originalLine ?? 0) + 1 };
  }
  const file = frame.url.startsWith("file:") ? fileURLToPath(frame.url) : frame.url;
  return { file: path.relative(process.cwd(), file) || file, line: frame.lineNumber + 1 };
}

/** Collapses a file inside a package to the package, so dependencies read as one line each. */
function packageOf(file: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(file);
  if (!match) return file;
  return `${match[1]}/${match[2]?.split("/").slice(-1)[0] ?? ""}`;
}

export function summarizeProfile(profile: Profile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    if (node.callFrame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const { file, line } = origin(node.callFrame);
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${packageOf(file)}:${line}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const group = packageOf(file);
    files.set(group, (files.get(group) ?? 0) + us);
  }
  const rank = (totals: Map<string, number>): SelfTime[] =>
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        share: Math.round((us / busyUs) * 1000) / 10,
      }));
  return {
    totalMs: Math.round((profile.endTime - profile.startTime) / 1000),
    idleMs: Math.round(idleUs / 1000),
    byFunction: rank(functions),
    byFile: rank(files),
  };
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const topAt = args.indexOf("--top");
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 25;
  const inputs = args.filter((arg, index) => !arg.startsWith("--") && index !== topAt + 1);
  if (inputs.length === 0) {
    process.stderr.write("usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top N]\n");
    process.exitCode = 2;
  }
  for (const input of inputs) {
    const summary = summarizeProfile(JSON.parse(readFileSync(input, "utf8")) as Profile, top);
    const rows = (list: SelfTime[]) =>
      list.map(
        ({ name, ms, share }) => `${String(ms).padStart(9)} ms ${String(share).padStart(5)}%  ${name}`,
      );
    console.log(
      [
        `${input}: ${summary.totalMs} ms, ${summary.idleMs} ms idle`,
        "",
        "self time by function",
        ...rows(summary.byFunction),
        "",
        "self time by file",
        ...rows(summary.byFile),
        "",
      ].join("\n"),
    );
  }
}
