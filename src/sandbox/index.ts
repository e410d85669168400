// Local emulators of the three provider APIs, each a real HTTP server on loopback. The test suite points
// mediagate at them and asserts the requests they received; `mediagate --sandbox` starts them in-process
// so users can try every tool without accounts. They follow the providers' documents (shared/seeds) and
// hand out only URLs they serve themselves.
//
// Beyond the options below:
// - `sandbox.videodb.legacyAudioUrl` (boolean) and `sandbox.videodb.asyncShape` ("data" | "response") switch
//   the VideoDB answer shapes at run time; the options `videodbLegacyAudioUrl` / `videodbAsyncShape` set
//   them at start.
// - SANDBOX_SEED names the assets every sandbox starts with.

import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIOZ_SEED, AiozEmulator } from "./aioz.js";
import { AISTUDIOS_SEED, AiStudiosEmulator } from "./aistudios.js";
import { defaultRecording, normalizeBasePath } from "./http.js";
import type { SandboxCredentials, SandboxOptions } from "./types.js";
import { VIDEODB_SEED, VideoDBEmulator } from "./videodb.js";

export type { AiozEmulator } from "./aioz.js";
export type { AiStudiosEmulator } from "./aistudios.js";
export type {
  Emulator,
  Fault,
  RecordedRequest,
  SandboxCredentials,
  SandboxOptions,
  VideoDBAsyncShape,
} from "./types.js";
export type { VideoDBEmulator } from "./videodb.js";

/**
 * Credentials made anew for each sandbox: fixed, published ones would let anything on the machine that
 * finds the ports read or change what a user uploaded. The server gets them from `env()`.
 */
export function newSandboxCredentials(): SandboxCredentials {
  const fresh = (name: string) => `sandbox-${name}-${randomBytes(12).toString("hex")}`;
  return {
    videodbApiKey: fresh("videodb-key"),
    aiozToken: fresh("aioz-token"),
    aiozPublicKey: fresh("aioz-public"),
    aiozSecretKey: fresh("aioz-secret"),
    aistudiosApiKey: fresh("aistudios-key"),
    aistudiosAppId: fresh("app"),
    aistudiosUserKey: fresh("user-key"),
  };
}

/** What every sandbox starts with. */
export const SANDBOX_SEED = {
  videodb: VIDEODB_SEED,
  aioz: AIOZ_SEED,
  aistudios: AISTUDIOS_SEED,
} as const;

export interface Sandbox {
  /** Also has the run-time switches `legacyAudioUrl` and `asyncShape`. */
  videodb: VideoDBEmulator;
  aioz: AiozEmulator;
  aistudios: AiStudiosEmulator;
  credentials: SandboxCredentials;
  /** Environment that points mediagate at this sandbox: the three *_BASE_URL variables plus VIDEODB_API_KEY, AIOZ_STREAM_TOKEN, AISTUDIOS_API_KEY. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function checkOptions(options: SandboxOptions): void {
  const { jobDurationMs, failureRate } = options;
  if (jobDurationMs !== undefined && (!Number.isFinite(jobDurationMs) || jobDurationMs < 0)) {
    throw new RangeError("jobDurationMs must be a non-negative number");
  }
  if (failureRate !== undefined && (!Number.isFinite(failureRate) || failureRate < 0 || failureRate > 1)) {
    throw new RangeError("failureRate must be between 0 and 1");
  }
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  checkOptions(options);
  const credentials: SandboxCredentials = { ...newSandboxCredentials(), ...options.credentials };
  const recording = {
    limit: options.recording?.limit ?? defaultRecording.limit,
    bodies: options.recording?.bodies ?? defaultRecording.bodies,
  };
  const host = options.host ?? "127.0.0.1";
  const jobDurationMs = options.jobDurationMs ?? 3000;
  const failureRate = options.failureRate ?? 0;
  const ownsStorage = options.storageDir === undefined;
  const storageDir = options.storageDir ?? (await mkdtemp(join(tmpdir(), "mediagate-sandbox-")));
  if (!ownsStorage) await mkdir(storageDir, { recursive: true });

  const videodb = new VideoDBEmulator({
    host,
    basePath: normalizeBasePath(options.basePaths?.videodb, ""),
    recording,
    storageDir,
    apiKey: credentials.videodbApiKey,
    jobDurationMs,
    failureRate,
    legacyAudioUrl: options.videodbLegacyAudioUrl ?? false,
    asyncShape: options.videodbAsyncShape ?? "data",
    asyncIds: options.videodbAsyncIds ?? false,
  });
  const aioz = new AiozEmulator({
    host,
    basePath: normalizeBasePath(options.basePaths?.aioz, "/api"),
    recording,
    storageDir,
    token: credentials.aiozToken,
    publicKey: credentials.aiozPublicKey,
    secretKey: credentials.aiozSecretKey,
    jobDurationMs,
    failureRate,
  });
  const aistudios = new AiStudiosEmulator({
    host,
    basePath: normalizeBasePath(options.basePaths?.aistudios, ""),
    recording,
    apiKey: credentials.aistudiosApiKey,
    appId: credentials.aistudiosAppId,
    userKey: credentials.aistudiosUserKey,
    jobDurationMs,
    failureRate,
  });
  const emulators = [videodb, aioz, aistudios];

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all(emulators.map((emulator) => emulator.close()));
      if (ownsStorage) await rm(storageDir, { recursive: true, force: true });
    })();
    return closing;
  };

  const started = await Promise.allSettled(emulators.map((emulator) => emulator.listen()));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) {
    await close();
    throw failed.reason;
  }

  return {
    videodb,
    aioz,
    aistudios,
    credentials,
    env: () => ({
      VIDEODB_BASE_URL: videodb.url,
      VIDEODB_API_KEY: credentials.videodbApiKey,
      AIOZ_STREAM_BASE_URL: aioz.url,
      AIOZ_STREAM_TOKEN: credentials.aiozToken,
      AISTUDIOS_BASE_URL: aistudios.url,
      AISTUDIOS_API_KEY: credentials.aistudiosApiKey,
    }),
    close,
  };
}
