import { startRemoteSandbox } from "./sandbox-process.js";
import { compareRuns, median, round } from "./stats.js";
import { StdioRpc } from "./stdio-rpc.js";
import { isMain, mediagate, reference, type Target } from "./targets.js";

export interface FirstCallOptions {
  /** Measured runs per server, after one warm-up run each. Default 21. */
  runs?: number;
}

export interface FirstCallFigures {
  /** The build that ran (see bench/targets.ts). */
  build: string;
  /** The tool called. */
  tool: string;
  /** Milliseconds from spawn to the first tool call's answer, per measured run. */
  runsMs: number[];
  medianMs: number;
  /** Milliseconds from the tools/list answer to the first call's answer: what the first call alone costs. */
  callMedianMs: number;
}

export interface FirstCallResult {
  runs: number;
  mediagate: FirstCallFigures;
  reference: FirstCallFigures;
  /** mediagate's median over the reference's. */
  ratio: number;
  /** The median of each run's ratio to the reference run right after it. */
  pairedRatio: number;
}

interface Probe {
  target: Target;
  tool: string;
  arguments: Record<string, unknown>;
}

/** spawn → initialize → tools/list → the first tools/call answered, as a user's first request meets it. */
async function firstCall(probe: Probe): Promise<{ ms: number; callMs: number }> {
  const started = performance.now();
  const rpc = new StdioRpc(probe.target);
  try {
    await rpc.initialize();
    const list = await rpc.request("tools/list");
    if (list.error) throw new Error(`${probe.target.name}: tools/list failed: ${list.error.message}`);
    const listed = performance.now();
    const call = await rpc.request("tools/call", { name: probe.tool, arguments: probe.arguments });
    const ended = performance.now();
    if (call.error) throw new Error(`${probe.target.name}: ${probe.tool} failed: ${call.error.message}`);
    if (call.result?.isError) {
      throw new Error(
        `${probe.target.name}: ${probe.tool} answered an error: ${JSON.stringify(call.result)}`,
      );
    }
    return { ms: ended - started, callMs: ended - listed };
  } finally {
    await rpc.close();
  }
}

/**
 * The first tool call after start-up, which the cold start (it stops at tools/list) and the call overhead
 * (measured after thousands of warm-up calls) both leave out: mediagate loads its HTTP client on the first
 * provider request. mediagate calls aioz_get_audio against the provider emulators in a process of their
 * own; the reference calls its `echo` tool, which makes no request, so its figure is the floor of a first
 * call on this machine. Runs alternate between the two servers.
 */
export async function runFirstCall(options: FirstCallOptions = {}): Promise<FirstCallResult> {
  const runs = options.runs ?? 21;
  const sandbox = await startRemoteSandbox();
  try {
    const probes = {
      mediagate: {
        target: mediagate(sandbox.env),
        tool: "aioz_get_audio",
        arguments: { audio_id: sandbox.audioId },
      },
      reference: { target: reference(), tool: "echo", arguments: { message: "first call" } },
    } satisfies Record<string, Probe>;
    const samples = {
      mediagate: { ms: [] as number[], callMs: [] as number[] },
      reference: { ms: [] as number[], callMs: [] as number[] },
    };
    for (const key of ["mediagate", "reference"] as const) await firstCall(probes[key]);
    for (let run = 0; run < runs; run++) {
      for (const key of ["mediagate", "reference"] as const) {
        const { ms, callMs } = await firstCall(probes[key]);
        samples[key].ms.push(round(ms));
        samples[key].callMs.push(round(callMs));
      }
    }
    const summary = (key: "mediagate" | "reference"): FirstCallFigures => ({
      build: probes[key].target.build,
      tool: probes[key].tool,
      runsMs: samples[key].ms,
      medianMs: round(median(samples[key].ms)),
      callMedianMs: round(median(samples[key].callMs)),
    });
    return {
      runs,
      mediagate: summary("mediagate"),
      reference: summary("reference"),
      ...compareRuns(samples.mediagate.ms, samples.reference.ms),
    };
  } finally {
    await sandbox.close();
  }
}

if (isMain(import.meta.url)) {
  console.log(JSON.stringify(await runFirstCall(), null, 2));
}
