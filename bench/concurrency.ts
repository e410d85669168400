import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { directGetAudio } from "./direct.js";
import { startRemoteSandbox } from "./sandbox-process.js";
import { type ProcessMemory, processMemory, round, sleep } from "./stats.js";
import { connect, floor, isMain, mediagate } from "./targets.js";

export interface ConcurrencyOptions {
  /** Calls in flight at once. Default 64. */
  inFlight?: number;
  /** Calls in all, for each side. Default 5000. */
  total?: number;
  /** Rounds the calls are split into, the four sides taking turns within each. Default 5. */
  rounds?: number;
}

export interface ConcurrencyResult {
  inFlight: number;
  total: number;
  rounds: number;
  /** mcp over direct in each round. */
  roundRatios: number[];
  /** Through one MCP session over stdio. */
  mcp: { callsPerSecond: number; seconds: number; errors: number; firstError?: string };
  /** The same requests sent directly with undici from this process. */
  direct: { callsPerSecond: number; seconds: number; errors: number };
  /** mcp calls/s over direct calls/s. */
  ratio: number;
  /** The same load through a minimal SDK server (bench/floor-server.ts): what any MCP server over stdio reaches. */
  floor: { callsPerSecond: number; seconds: number; errors: number; ratio: number };
  /**
   * The same load through that server returning the result mediagate's contract prescribes
   * (MCP_FLOOR_RESULT=contract): what is left between it and mediagate is mediagate's own machinery.
   */
  contractFloor: { callsPerSecond: number; seconds: number; errors: number; ratio: number };
  /**
   * The server's resident memory: idle after tools/list in this SDK client session (not comparable with the
   * cold start's bare-client figure), and by the end of the run (peakRssMiB is VmHWM).
   */
  memory: { idle?: ProcessMemory; afterRun?: ProcessMemory };
  /** The build that ran (see bench/targets.ts). */
  build: string;
}

type Run = Awaited<ReturnType<typeof saturate>>;

/** One side's rounds as one figure: every call over the time they took together. */
function combine(runs: Run[], perRound: number) {
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  const errors = runs.reduce((sum, run) => sum + run.errors, 0);
  const firstError = runs.find((run) => run.firstError !== undefined)?.firstError;
  return {
    callsPerSecond: round((perRound * runs.length) / seconds),
    seconds: round(seconds, 2),
    errors,
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/** Runs `total` calls with `inFlight` of them outstanding at any time; counts failures instead of stopping. */
async function saturate(inFlight: number, total: number, call: () => Promise<void>) {
  let started = 0;
  let errors = 0;
  let firstError: string | undefined;
  const begin = performance.now();
  const worker = async () => {
    while (started < total) {
      started++;
      try {
        await call();
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - begin) / 1000;
  return {
    callsPerSecond: round(total / seconds),
    seconds: round(seconds, 2),
    errors,
    ...(firstError === undefined ? {} : { firstError: firstError.slice(0, 300) }),
  };
}

/** Many aioz_get_audio calls in flight through one session, beside the same load sent directly. */
export async function runConcurrency(options: ConcurrencyOptions = {}): Promise<ConcurrencyResult> {
  const inFlight = options.inFlight ?? 64;
  const total = options.total ?? 5000;
  const rounds = options.rounds ?? 5;
  const sandbox = await startRemoteSandbox();
  const target = mediagate(sandbox.env);
  const session = await connect(target);
  const floorSession = await connect(floor(sandbox.env));
  const contractSession = await connect(floor(sandbox.env, "contract"));
  const direct = directGetAudio(sandbox);
  try {
    await session.client.listTools();
    await floorSession.client.listTools();
    await contractSession.client.listTools();
    await sleep(500);
    const idle = await processMemory(session.pid);
    const through = (client: typeof session.client) => async () => {
      const result = (await client.callTool({
        name: "aioz_get_audio",
        arguments: { audio_id: sandbox.audioId },
      })) as CallToolResult;
      if (result.isError) {
        const text = result.content.map((block) => (block.type === "text" ? block.text : "")).join(" ");
        throw new Error(text);
      }
    };
    const viaMcp = through(session.client);
    const viaFloor = through(floorSession.client);
    const viaContractFloor = through(contractSession.client);
    // A short warm-up, so the figure is the server's throughput rather than its first seconds.
    await saturate(inFlight, 1000, viaMcp);
    await saturate(inFlight, 1000, viaFloor);
    await saturate(inFlight, 1000, viaContractFloor);
    await saturate(inFlight, 1000, direct.call);
    // Interleaved rounds, each side first in turn: the machine's speed drifts over a run, and a side
    // measured only at its start or end would carry that drift into the ratio.
    const sides = { mcp: viaMcp, floor: viaFloor, contractFloor: viaContractFloor, direct: direct.call };
    const order: (keyof typeof sides)[] = ["mcp", "floor", "contractFloor", "direct"];
    const perRound = Math.max(inFlight, Math.round(total / rounds));
    const runs = { mcp: [] as Run[], floor: [] as Run[], contractFloor: [] as Run[], direct: [] as Run[] };
    const roundRatios: number[] = [];
    for (let turnIndex = 0; turnIndex < rounds; turnIndex++) {
      const turn = order.map((_, at) => order[(at + turnIndex) % order.length] as keyof typeof sides);
      for (const side of turn) runs[side].push(await saturate(inFlight, perRound, sides[side]));
      const last = (side: keyof typeof sides) => runs[side][turnIndex] as Run;
      roundRatios.push(last("mcp").callsPerSecond / last("direct").callsPerSecond);
    }
    const afterRun = await processMemory(session.pid);
    const mcp = combine(runs.mcp, perRound);
    const minimal = combine(runs.floor, perRound);
    const shaped = combine(runs.contractFloor, perRound);
    const plain = combine(runs.direct, perRound);
    return {
      inFlight,
      total: perRound * rounds,
      rounds,
      mcp,
      direct: { callsPerSecond: plain.callsPerSecond, seconds: plain.seconds, errors: plain.errors },
      ratio: round(mcp.callsPerSecond / plain.callsPerSecond, 2),
      roundRatios: roundRatios.map((ratio) => round(ratio, 2)),
      floor: {
        callsPerSecond: minimal.callsPerSecond,
        seconds: minimal.seconds,
        errors: minimal.errors,
        ratio: round(minimal.callsPerSecond / plain.callsPerSecond, 2),
      },
      contractFloor: {
        callsPerSecond: shaped.callsPerSecond,
        seconds: shaped.seconds,
        errors: shaped.errors,
        ratio: round(shaped.callsPerSecond / plain.callsPerSecond, 2),
      },
      memory: { ...(idle ? { idle } : {}), ...(afterRun ? { afterRun } : {}) },
      build: target.build,
    };
  } finally {
    await session.close();
    await floorSession.close();
    await contractSession.close();
    await direct.close();
    await sandbox.close();
  }
}

if (isMain(import.meta.url)) {
  console.log(JSON.stringify(await runConcurrency(), null, 2));
}
