import { readFile } from "node:fs/promises";

/** Nearest-rank percentile of already sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export interface Summary {
  count: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: sum / sorted.length,
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
}

/** Rounds for reports: JSON keeps a fixed number of decimals so runs compare cleanly. */
export function round(value: number, decimals = 1): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

export interface ProcessMemory {
  /** Resident set size now. */
  rssMiB: number;
  /** Highest resident set size since the process started. */
  peakRssMiB: number;
}

/** Reads VmRSS and VmHWM of a process from /proc (Linux only; undefined elsewhere). */
export async function processMemory(pid: number | null | undefined): Promise<ProcessMemory | undefined> {
  if (pid === null || pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    const rss = kib("VmRSS");
    const peak = kib("VmHWM");
    if (!Number.isFinite(rss) || !Number.isFinite(peak)) return undefined;
    return { rssMiB: round(rss / 1024), peakRssMiB: round(peak / 1024) };
  } catch {
    return undefined;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `a` against `b`, runs taken in turn: the ratio of their medians, and the median of each run's own ratio
 * (steadier on a shared machine, where a burst of other work slows neighbouring runs of both alike).
 */
export function compareRuns(
  a: readonly number[],
  b: readonly number[],
): { ratio: number; pairedRatio: number } {
  const pairs = a.map((value, run) => value / (b[run] ?? Number.NaN));
  return { ratio: round(median(a) / median(b), 2), pairedRatio: round(median(pairs), 2) };
}
