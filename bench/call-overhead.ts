import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { directGetAudio } from "./direct.js";
import { startRemoteSandbox } from "./sandbox-process.js";
import { round, type Summary, summarize } from "./stats.js";
import { connect, floor, isMain, mediagate } from "./targets.js";

export interface CallOverheadOptions {
  /** Calls per path. Default 2000. */
  calls?: number;
  /** Calls per block; blocks of the two paths alternate. Default 100. */
  blockSize?: number;
  /** Calls per path before measuring. Default 3000. */
  warmUpCalls?: number;
}

export interface CallOverheadResult {
  calls: number;
  blockSize: number;
  /** µs per call through the MCP client, over stdio, through mediagate, to the emulator and back. */
  mcpUs: Summary;
  /** µs per call for the same request sent directly with undici. */
  directUs: Summary;
  /** µs per call through a minimal SDK server proxying the same request (bench/floor-server.ts). */
  floorUs: Summary;
  /** What MCP and mediagate add to one call, in µs. */
  addedUsP50: number;
  addedUsP99: number;
  /** What any MCP server over stdio adds on this machine: the floor's p50 over direct. */
  floorAddedUsP50: number;
  /** What mediagate adds over what the floor adds (p50): the share of the added time that is mediagate's own. */
  addedRatioToFloor: number;
  /**
   * µs per call through the same minimal server returning the result mediagate's contract prescribes
   * (structuredContent and the same JSON as text; bench/floor-server.ts with MCP_FLOOR_RESULT=contract).
   */
  contractFloorUs: Summary;
  /** What that server adds over direct (p50). */
  contractFloorAddedUsP50: number;
  /** What mediagate adds over what it adds (p50): mediagate's own machinery, the result's shape aside. */
  addedRatioToContractFloor: number;
  /**
   * The warm-up curve: p50 µs of each block of 100 warm-up calls through MCP, in order (the first block
   * begins with the session's first call), then the first and the last of them.
   */
  warmUp: {
    calls: number;
    blockSize: number;
    blockP50Us: number[];
    firstBlockP50Us: number;
    lastBlockP50Us: number;
  };
  /** The build that ran (see bench/targets.ts). */
  build: string;
}

const roundSummary = (summary: Summary): Summary => ({
  count: summary.count,
  p50: round(summary.p50),
  p99: round(summary.p99),
  mean: round(summary.mean),
  min: round(summary.min),
  max: round(summary.max),
});

/**
 * One aioz_get_audio call at a time through the MCP client vs the same request sent directly; the two paths
 * alternate in blocks so that both see the same state of the machine.
 *
 * The emulator runs in its own process, as a provider would, so both paths cross to it and the difference
 * is what MCP over stdio and mediagate add. The warm-up is long on purpose: requests between processes
 * start several times slower on a small virtual machine and settle only after a few thousand round trips
 * (plain undici requests show the same curve). The figures are the steady state of a server in use;
 * `warmUp` shows the start.
 */
export async function runCallOverhead(options: CallOverheadOptions = {}): Promise<CallOverheadResult> {
  const calls = options.calls ?? 2000;
  const blockSize = options.blockSize ?? 100;
  const warmUpCalls = options.warmUpCalls ?? 3000;
  const sandbox = await startRemoteSandbox();
  const target = mediagate(sandbox.env);
  const session = await connect(target);
  const floorSession = await connect(floor(sandbox.env));
  const contractSession = await connect(floor(sandbox.env, "contract"));
  const direct = directGetAudio(sandbox);
  try {
    // As hosts do: list the tools first (the SDK client then checks each result against its outputSchema).
    await session.client.listTools();
    await floorSession.client.listTools();
    await contractSession.client.listTools();
    const through = (client: typeof session.client) => async () => {
      const result = (await client.callTool({
        name: "aioz_get_audio",
        arguments: { audio_id: sandbox.audioId },
      })) as CallToolResult;
      if (result.isError) throw new Error(`aioz_get_audio failed: ${JSON.stringify(result.content)}`);
    };
    const viaMcp = through(session.client);
    const viaFloor = through(floorSession.client);
    const viaContractFloor = through(contractSession.client);
    const timeBlock = async (call: () => Promise<void>, samples: number[], count: number) => {
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        await call();
        samples.push((performance.now() - started) * 1000);
      }
    };
    const warmUpBlocks: number[] = [];
    for (let done = 0; done < warmUpCalls; done += 100) {
      const samples: number[] = [];
      await timeBlock(viaMcp, samples, 100);
      await timeBlock(viaFloor, [], 100);
      await timeBlock(viaContractFloor, [], 100);
      await timeBlock(direct.call, [], 100);
      warmUpBlocks.push(summarize(samples).p50);
    }
    const mcp: number[] = [];
    const minimal: number[] = [];
    const shaped: number[] = [];
    const plain: number[] = [];
    for (let done = 0; done < calls; done += blockSize) {
      const count = Math.min(blockSize, calls - done);
      await timeBlock(viaMcp, mcp, count);
      await timeBlock(viaFloor, minimal, count);
      await timeBlock(viaContractFloor, shaped, count);
      await timeBlock(direct.call, plain, count);
    }
    const mcpUs = roundSummary(summarize(mcp));
    const directUs = roundSummary(summarize(plain));
    const floorUs = roundSummary(summarize(minimal));
    const contractFloorUs = roundSummary(summarize(shaped));
    return {
      calls,
      blockSize,
      mcpUs,
      directUs,
      floorUs,
      addedUsP50: round(mcpUs.p50 - directUs.p50),
      addedUsP99: round(mcpUs.p99 - directUs.p99),
      floorAddedUsP50: round(floorUs.p50 - directUs.p50),
      addedRatioToFloor: round((mcpUs.p50 - directUs.p50) / (floorUs.p50 - directUs.p50), 2),
      contractFloorUs,
      contractFloorAddedUsP50: round(contractFloorUs.p50 - directUs.p50),
      addedRatioToContractFloor: round((mcpUs.p50 - directUs.p50) / (contractFloorUs.p50 - directUs.p50), 2),
      build: target.build,
      warmUp: {
        calls: warmUpBlocks.length * 100,
        blockSize: 100,
        blockP50Us: warmUpBlocks.map((p50) => round(p50)),
        firstBlockP50Us: round(warmUpBlocks[0] ?? Number.NaN),
        lastBlockP50Us: round(warmUpBlocks[warmUpBlocks.length - 1] ?? Number.NaN),
      },
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
  console.log(JSON.stringify(await runCallOverhead(), null, 2));
}
