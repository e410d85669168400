// `mediagate --sandbox`: the emulators as a user-facing sandbox, in the server's own process.

import { providers } from "../catalog.js";
import { MediagateError } from "../errors.js";
import { environmentVariables } from "../providers/environment.js";
import { type Sandbox, startSandbox } from "./index.js";

/** Every variable that configures a real provider: dropped so the sandbox alone decides where calls go. */
const providerVariables = new Set(
  providers.flatMap((provider) => environmentVariables(provider.environment)),
);

export interface LocalSandbox {
  sandbox: Sandbox;
  /** The server's environment, pointed at the sandbox. */
  env: NodeJS.ProcessEnv;
  /**
   * The emulators' own origins: the only private addresses a `url` source may reach over HTTP, since every
   * URL the sandbox hands out is on one of them.
   */
  privateUrlOrigins: string[];
  /** One line for stderr saying what the user is talking to. */
  banner: string;
}

/** `MEDIAGATE_SANDBOX_FAILURE_RATE`: the chance, 0 to 1, that a sandbox job ends failed. Default 0. */
export function sandboxFailureRate(env: NodeJS.ProcessEnv): number {
  const text = env.MEDIAGATE_SANDBOX_FAILURE_RATE?.trim();
  if (!text) return 0;
  const rate = Number(text);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new MediagateError(
      "invalid_input",
      `MEDIAGATE_SANDBOX_FAILURE_RATE: "${text}" is not a number from 0 to 1 (e.g. 0.2 fails one job in five)`,
    );
  }
  return rate;
}

/**
 * Starts the three emulators on loopback and returns the environment that points all three providers at
 * them. Their credentials are new at every start (see `startSandbox`), and they keep a bounded record of
 * the requests they received, without bodies: nothing a long-running sandbox serves piles up.
 */
export async function startLocalSandbox(env: NodeJS.ProcessEnv): Promise<LocalSandbox> {
  const failureRate = sandboxFailureRate(env);
  const sandbox = await startSandbox({ failureRate, recording: { limit: 200, bodies: false } });
  const kept = Object.fromEntries(Object.entries(env).filter(([name]) => !providerVariables.has(name)));
  const failures = failureRate > 0 ? `, ${Math.round(failureRate * 100)}% of jobs fail on purpose` : "";
  return {
    sandbox,
    env: { ...kept, ...sandbox.env() },
    privateUrlOrigins: [sandbox.videodb.origin, sandbox.aioz.origin, sandbox.aistudios.origin],
    banner: `mediagate: SANDBOX — VideoDB, AIOZ Stream and AI Studios are local emulators on 127.0.0.1 (no accounts, nothing leaves this machine, state lasts until exit; jobs take a few seconds${failures}).`,
  };
}
