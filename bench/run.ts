import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { version } from "../src/version.js";
import { runCallOverhead } from "./call-overhead.js";
import { runColdStart } from "./cold-start.js";
import { runConcurrency } from "./concurrency.js";
import { contextGoals, largestTool, meetsContextGoals, runContextCost } from "./context-cost.js";
import { runFirstCall } from "./first-call.js";
import { round } from "./stats.js";
import type { UploadBenchOptions, UploadBenchResult } from "./upload.js";

const usage = `npm run bench [-- options]

  --runs N          cold-start and first-call runs per server (default 21, after one warm-up each)
  --calls N         sequential calls per path for the call overhead (default 2000)
  --total N         calls in the concurrency run (default 5000)
  --in-flight N     calls in flight in the concurrency run (default 64)
  --skip-upload     leave out the upload throughput (BENCH_UPLOAD_MIB sizes it otherwise)
  --out FILE        where the JSON goes (default bench/results.json)

BENCH_PROFILE_DIR=DIR runs mediagate under node --cpu-prof and writes its profiles to DIR.
`;

interface Row {
  measure: string;
  goal: string;
  figure: string;
  pass: boolean | undefined;
}

const positive = (name: string, value: string | undefined, fallback: number) => {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new Error(`--${name} must be a positive integer`);
  return number;
};

/** The upload benchmark lives in its own module; it is optional so the rest runs without it. */
async function runUpload(sizeMiB: number | undefined): Promise<UploadBenchResult | { skipped: string }> {
  if (!existsSync(path.join(import.meta.dirname, "upload.ts")))
    return { skipped: "bench/upload.ts is not there" };
  const specifier = "./upload.js";
  const module = (await import(specifier)) as {
    runUploadBench(options?: UploadBenchOptions): Promise<UploadBenchResult>;
  };
  return module.runUploadBench(sizeMiB === undefined ? {} : { sizeMiB });
}

/** A few points of the warm-up curve: the first blocks, where it moves, then every fifth to the last. */
function curve(blocks: readonly number[]): string {
  const picked = blocks
    .map((p50, index) => ({ block: index + 1, p50 }))
    .filter(({ block }) => block <= 3 || block % 5 === 0 || block === blocks.length);
  return picked.map(({ block, p50 }) => `#${block} ${Math.round(p50)}`).join(", ");
}

function table(rows: Row[]): string {
  const header = ["measure", "goal", "figure", "result"];
  const cells = rows.map((row) => [
    row.measure,
    row.goal,
    row.figure,
    row.pass === undefined ? "info" : row.pass ? "pass" : "MISS",
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => line[column]?.length ?? 0)),
  );
  const line = (values: string[]) =>
    `| ${values.map((value, column) => value.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [
    line(header),
    `|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`,
    ...cells.map(line),
  ].join("\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      calls: { type: "string" },
      total: { type: "string" },
      "in-flight": { type: "string" },
      "skip-upload": { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const uploadMiB =
    process.env.BENCH_UPLOAD_MIB === undefined ? undefined : Number(process.env.BENCH_UPLOAD_MIB);
  if (uploadMiB !== undefined && !(uploadMiB > 0))
    throw new Error("BENCH_UPLOAD_MIB must be a positive number");
  const began = performance.now();
  const step = (name: string) => process.stderr.write(`bench: ${name}…\n`);

  step("cold start");
  const runs = positive("runs", values.runs, 21);
  const coldStart = await runColdStart({ runs });
  step("first call");
  const firstCall = await runFirstCall({ runs });
  step("context cost");
  const contextCost = await runContextCost();
  step("call overhead");
  const callOverhead = await runCallOverhead({ calls: positive("calls", values.calls, 2000) });
  step("concurrency");
  const concurrency = await runConcurrency({
    total: positive("total", values.total, 5000),
    inFlight: positive("in-flight", values["in-flight"], 64),
  });
  let upload: UploadBenchResult | { skipped: string };
  if (values["skip-upload"]) upload = { skipped: "--skip-upload" };
  else {
    step("upload");
    upload = await runUpload(uploadMiB);
  }

  const mg = contextCost.mediagate;
  const ref = contextCost.reference;
  const costliest = mg.perTool
    .slice(0, 3)
    .map((tool) => `${tool.name} ${tool.tokens}`)
    .join(", ");
  const builds = `mediagate ${coldStart.mediagate.build} vs ${coldStart.reference.build}`;
  const mgIdle = coldStart.mediagate.idle?.rssMiB ?? "n/a";
  const refIdle = coldStart.reference.idle?.rssMiB ?? "n/a";
  const rows: Row[] = [
    {
      measure: "cold start, median (spawn → tools/list)",
      goal: "≤ 0.6× reference, < 300 ms",
      figure: `${coldStart.mediagate.medianMs} ms vs ${coldStart.reference.medianMs} ms (${coldStart.ratio}×; paired ${coldStart.pairedRatio}×); ${builds}`,
      pass: coldStart.ratio <= 0.6 && coldStart.mediagate.medianMs < 300,
    },
    {
      measure: `first call, median (spawn → tools/list → first call answered: mediagate ${firstCall.mediagate.tool} to the emulators in their own process, reference ${firstCall.reference.tool})`,
      goal: "",
      figure: `${firstCall.mediagate.medianMs} ms (the call ${firstCall.mediagate.callMedianMs} ms) vs ${firstCall.reference.medianMs} ms (the call ${firstCall.reference.callMedianMs} ms) (${firstCall.ratio}×; paired ${firstCall.pairedRatio}×); mediagate ${firstCall.mediagate.build} vs ${firstCall.reference.build}`,
      pass: undefined,
    },
    {
      measure: "context: tokens the model reads (name, description, inputSchema), o200k | Anthropic",
      goal: `≤ ${contextGoals.modelTokensPerTool} a tool on average, ≤ ${contextGoals.modelTokensLargestTool} the largest, instructions ≤ ${contextGoals.instructionsTokens}, with both`,
      figure: `${mg.modelTokensPerTool} | ${mg.claude.modelTokensPerTool} a tool, largest ${largestTool(mg)}, ${mg.modelTokens} | ${mg.claude.modelTokens} for ${mg.tools} tools vs ${ref.modelTokensPerTool} | ${ref.claude.modelTokensPerTool} a tool; instructions ${mg.instructionsTokens.o200k} | ${mg.instructionsTokens.claude} vs ${ref.instructionsTokens.o200k} | ${ref.instructionsTokens.claude}`,
      pass: meetsContextGoals(mg),
    },
    {
      measure: "context: whole tools/list payload, o200k | Anthropic",
      goal: "",
      figure: `${mg.payloadBytes} B, ${mg.payloadTokens} | ${mg.claude.payloadTokens} tokens (${mg.tokensPerTool}/tool) vs ${ref.payloadBytes} B, ${ref.payloadTokens} | ${ref.claude.payloadTokens} tokens (${ref.tokensPerTool}/tool)`,
      pass: undefined,
    },
    { measure: "context: costliest tools (tokens)", goal: "", figure: costliest, pass: undefined },
    {
      measure: "call overhead, p50 added (aioz_get_audio)",
      goal: "≤ 300 µs, ≤ 1.5× a minimal SDK server's",
      figure: `${callOverhead.addedUsP50} µs vs ${callOverhead.floorAddedUsP50} µs (${callOverhead.addedRatioToFloor}×) (MCP ${callOverhead.mcpUs.p50} vs direct ${callOverhead.directUs.p50} µs, after ${callOverhead.warmUp.calls} warm-up calls); mediagate ${callOverhead.build}`,
      pass: callOverhead.addedUsP50 <= 300 && callOverhead.addedRatioToFloor <= 1.5,
    },
    {
      measure: `call overhead: warm-up, p50 µs per block of ${callOverhead.warmUp.blockSize} calls through MCP`,
      goal: "",
      figure: curve(callOverhead.warmUp.blockP50Us),
      pass: undefined,
    },
    {
      measure: "call overhead, p50 added by a minimal SDK server",
      goal: "",
      figure: `${callOverhead.floorAddedUsP50} µs (floor ${callOverhead.floorUs.p50} µs)`,
      pass: undefined,
    },
    {
      measure: "call overhead, p50 added by the same minimal server returning the contract's result",
      goal: "",
      figure: `${callOverhead.contractFloorAddedUsP50} µs (server ${callOverhead.contractFloorUs.p50} µs); mediagate adds ${callOverhead.addedRatioToContractFloor}× that: its own machinery, the result's shape aside`,
      pass: undefined,
    },
    {
      measure: "call overhead, p99",
      goal: "",
      figure: `MCP ${callOverhead.mcpUs.p99} vs direct ${callOverhead.directUs.p99} µs (+${callOverhead.addedUsP99})`,
      pass: undefined,
    },
    {
      measure: `concurrency, ${concurrency.inFlight} in flight, ${concurrency.total} calls a side in ${concurrency.rounds} interleaved rounds, one session (vs the same requests sent directly with undici)`,
      goal: "≥ 0.5× direct, 0 errors",
      figure: `${concurrency.mcp.callsPerSecond} calls/s vs direct ${concurrency.direct.callsPerSecond} calls/s (${concurrency.ratio}×), ${concurrency.mcp.errors} errors (a minimal SDK server: ${concurrency.floor.callsPerSecond} calls/s, ${concurrency.floor.ratio}×; returning the contract's result: ${concurrency.contractFloor.callsPerSecond} calls/s, ${concurrency.contractFloor.ratio}×); per round ${concurrency.roundRatios.join(", ")}; mediagate ${concurrency.build}`,
      pass: concurrency.ratio >= 0.5 && concurrency.mcp.errors === 0,
    },
    {
      measure: "memory: server RSS idle after tools/list (cold-start run, bare client, both servers)",
      goal: "",
      figure: `${mgIdle} MiB vs ${refIdle} MiB; ${builds}`,
      pass: undefined,
    },
    {
      measure: "memory: server RSS idle after tools/list (concurrency run, SDK client session)",
      goal: "",
      figure: `${concurrency.memory.idle?.rssMiB ?? "n/a"} MiB`,
      pass: undefined,
    },
    {
      measure: "memory: server peak RSS, concurrency run",
      goal: "",
      figure: `${concurrency.memory.afterRun?.peakRssMiB ?? "n/a"} MiB`,
      pass: undefined,
    },
  ];
  if ("skipped" in upload) {
    rows.push({
      measure: "upload throughput",
      goal: "",
      figure: `skipped: ${upload.skipped}`,
      pass: undefined,
    });
  } else {
    rows.push({
      measure: `upload ${upload.sizeMiB} MiB`,
      goal: `≥ ${upload.goals.minRatio}× direct (paired), peak RSS ≤ idle + ${upload.goals.maxPeakOverIdleMiB} MiB`,
      figure: `${upload.mediagateMiBps} MiB/s vs direct ${upload.directMiBps} MiB/s, medians of ${upload.pairs} pairs (${upload.ratio}×; paired ${upload.pairedRatio}×), RSS idle ${upload.idleRssMiB} MiB, peak ${upload.peakRssMiB} MiB (+${upload.peakOverIdleMiB} MiB; +${upload.steadyPeakOverRssMiB ?? "?"} MiB per upload after the warm-up)`,
      pass: upload.goals.pass,
    });
  }

  const results = {
    mediagate: version,
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model ?? "",
    },
    seconds: round((performance.now() - began) / 1000),
    coldStart,
    firstCall,
    contextCost,
    callOverhead,
    concurrency,
    upload,
    goals: rows
      .filter((row) => row.pass !== undefined)
      .map(({ measure, goal, pass }) => ({ measure, goal, pass })),
  };
  const out = path.resolve(values.out ?? path.join(import.meta.dirname, "results.json"));
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(table(rows));
  console.log(
    `\n${results.machine.cpus} × ${results.machine.cpu}, Node ${process.version}; ${results.seconds} s; figures in ${path.relative(process.cwd(), out)}`,
  );
}

main().catch((error: unknown) => {
  console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
