import { startSandbox } from "../src/sandbox/index.js";
import { compareRuns, median, type ProcessMemory, processMemory, round, sleep } from "./stats.js";
import { StdioRpc } from "./stdio-rpc.js";
import { isMain, mediagate, reference, type Target } from "./targets.js";

export interface ColdStartOptions {
  /** Measured runs per server, after one warm-up run each. Default 21. */
  runs?: number;
}

export interface ColdStartFigures {
  /** The build that ran (see bench/targets.ts). */
  build: string;
  /** Milliseconds from spawn to the tools/list answer, per measured run. */
  runsMs: number[];
  medianMs: number;
  tools: number;
  /** Resident memory once started and idle after tools/list, with the bare client: alike for both servers. */
  idle?: ProcessMemory;
}

export interface ColdStartResult {
  runs: number;
  mediagate: ColdStartFigures;
  reference: ColdStartFigures;
  /** mediagate's median over the reference's. */
  ratio: number;
  /**
   * The median of each run's ratio to the reference run right after it: steadier than `ratio` on a shared
   * machine, where a burst of other work slows a few neighbouring runs of both servers.
   */
  pairedRatio: number;
}

/** One cold start: spawn → initialize → tools/list answered. */
async function coldStart(target: Target, readIdleMemory: boolean) {
  const started = performance.now();
  const rpc = new StdioRpc(target);
  try {
    await rpc.initialize();
    const list = await rpc.request("tools/list");
    const ms = performance.now() - started;
    if (list.error) throw new Error(`${target.name}: tools/list failed: ${list.error.message}`);
    const tools = (list.result?.tools as unknown[] | undefined)?.length ?? 0;
    let idle: ProcessMemory | undefined;
    if (readIdleMemory) {
      await sleep(500);
      idle = await processMemory(rpc.child.pid);
    }
    return { ms, tools, idle };
  } finally {
    await rpc.close();
  }
}

/**
 * Cold start of mediagate (every provider configured) beside the reference server. Runs alternate between
 * the two so that any drift of the machine falls on both alike; the first run of each warms the disk cache.
 */
export async function runColdStart(options: ColdStartOptions = {}): Promise<ColdStartResult> {
  const runs = options.runs ?? 21;
  const sandbox = await startSandbox();
  try {
    const targets = { mediagate: mediagate(sandbox.env()), reference: reference() };
    const figures = {
      mediagate: { runsMs: [] as number[], tools: 0, idle: undefined as ProcessMemory | undefined },
      reference: { runsMs: [] as number[], tools: 0, idle: undefined as ProcessMemory | undefined },
    };
    for (const key of ["mediagate", "reference"] as const) await coldStart(targets[key], false);
    for (let run = 0; run < runs; run++) {
      for (const key of ["mediagate", "reference"] as const) {
        const last = run === runs - 1;
        const { ms, tools, idle } = await coldStart(targets[key], last);
        figures[key].runsMs.push(round(ms));
        figures[key].tools = tools;
        if (idle) figures[key].idle = idle;
      }
    }
    const summary = (key: "mediagate" | "reference"): ColdStartFigures => ({
      build: targets[key].build,
      runsMs: figures[key].runsMs,
      medianMs: round(median(figures[key].runsMs)),
      tools: figures[key].tools,
      ...(figures[key].idle ? { idle: figures[key].idle } : {}),
    });
    return {
      runs,
      mediagate: summary("mediagate"),
      reference: summary("reference"),
      ...compareRuns(figures.mediagate.runsMs, figures.reference.runsMs),
    };
  } finally {
    await sandbox.close();
  }
}

if (isMain(import.meta.url)) {
  const result = await runColdStart();
  console.log(JSON.stringify(result, null, 2));
}
