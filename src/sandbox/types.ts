// The sandbox's public types live here rather than in index.ts so that the emulator modules can use them
// without importing the module that imports them.

/** Each credential defaults to a random value made when the sandbox starts. */
export interface SandboxCredentials {
  /** VideoDB API key, sent as `x-access-token`. */
  videodbApiKey: string;
  /** AIOZ Stream token, sent as `Authorization: Bearer <token>`. */
  aiozToken: string;
  /** AIOZ Stream `stream-public-key` header. */
  aiozPublicKey: string;
  /** AIOZ Stream `stream-secret-key` header. */
  aiozSecretKey: string;
  /** AI Studios API key, sent raw as `Authorization: <key>` (no "Bearer"). */
  aistudiosApiKey: string;
  /** AI Studios app id for the token exchange. */
  aistudiosAppId: string;
  /** AI Studios user key, exchanged at `POST /api/odin/v3/auth/token`. */
  aistudiosUserKey: string;
}

export type VideoDBAsyncShape = "data" | "response";

export interface SandboxOptions {
  /** Interface the three servers listen on. */
  host?: string;
  /** Fixed credentials instead of random ones (each one given replaces its random value). */
  credentials?: Partial<SandboxCredentials>;
  /**
   * What each emulator keeps of the requests it receives: the last `limit` (default 1000), with their
   * bodies unless `bodies` is false (default true).
   */
  recording?: { limit?: number; bodies?: boolean };
  /** Path prefix every API route is served under. Defaults: videodb "", aioz "/api", aistudios "". */
  basePaths?: { videodb?: string; aioz?: string; aistudios?: string };
  /** How long a VideoDB generation, an AIOZ transcode or an AI Studios render stays processing. Default 3000. */
  jobDurationMs?: number;
  /** 0..1 chance that a job ends "failed" (VideoDB) / "fail" (AIOZ) / `success: false` (AI Studios). Default 0. */
  failureRate?: number;
  /** Where uploaded parts are written. Default: a fresh directory under os.tmpdir(), removed on close. */
  storageDir?: string;
  /**
   * VideoDB `POST /audio/{id}/generate_url` answers `data: {signed_url}` alone (what the SDKs read) instead of
   * `data: {signed_url, stream_url}` (the documents show `stream_url`). Default false. Also switchable at run
   * time: `sandbox.videodb.legacyAudioUrl`.
   */
  videodbLegacyAudioUrl?: boolean;
  /**
   * Shape of a finished VideoDB async response: "data" → `{success, status: "done", data: <video>}`,
   * "response" → `{success, status: "done", response: {success, data: <video>}}`. Default "data".
   * Also switchable at run time: `sandbox.videodb.asyncShape`.
   */
  videodbAsyncShape?: VideoDBAsyncShape;
  /**
   * VideoDB generation answers carry `data.id` beside `data.output_url`. Default false: like the live
   * service as the official clients read it, only `output_url`. Also switchable at run time:
   * `sandbox.videodb.asyncIds`.
   */
  videodbAsyncIds?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** The path as received, including the base path, without the query string. */
  path: string;
  /** The path relative to the base path, e.g. "/media/abc/part" (the whole path when outside it). */
  route: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /**
   * Parsed JSON for JSON bodies; for multipart `{fields, file?: {filename?, size, md5}}`; the raw text
   * when the body is not valid JSON; undefined when empty.
   */
  body: unknown;
  bodyBytes: number;
}

export interface Fault {
  /** Match only this method. */
  method?: string;
  /** Match on the route (relative to the base path). Default: any. */
  route?: string | RegExp;
  /** How many matching requests it applies to. Default 1. */
  times?: number;
  /** Answer with this status (and a provider-shaped error body unless `body` is given). */
  status?: number;
  /** Raw body to send instead. */
  body?: string;
  /** Extra response headers, e.g. {"retry-after": "1"}. */
  headers?: Record<string, string>;
  /** Wait before answering (then answer normally unless status/body/malformed/drop is given). */
  delayMs?: number;
  /**
   * Hold every matching answer until this many matching requests have arrived, then answer them all: a
   * barrier that proves the requests were in flight together. `delayMs`, when given, is then the longest
   * hold, after which each held answer goes anyway (so a client that sends one at a time gets answers
   * instead of hanging).
   */
  holdUntil?: number;
  /**
   * Hold every matching answer until this promise settles, then answer as the fault says: the test decides
   * when the provider answers (`delayMs`, when given, is then the longest hold).
   */
  until?: Promise<unknown>;
  /** Called as each matching request starts being held (by `delayMs`, `holdUntil` or `until`). */
  onHold?: (request: RecordedRequest) => void;
  /** Answer 200 with truncated, invalid JSON. */
  malformed?: boolean;
  /** Announce a whole answer (`body`, or a success envelope), send half of it, then close the connection. */
  truncated?: boolean;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /**
   * Send the status line, the headers and half of the announced body (`body`, or a success envelope), then
   * nothing more while keeping the connection open: a provider whose answer stalls.
   */
  stalled?: boolean;
}

export interface Emulator {
  /** Base URL including the base path, e.g. "http://127.0.0.1:41234/api". */
  readonly url: string;
  /** "http://127.0.0.1:41234". */
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Recorded requests whose client closed the connection before the answer was sent, in that order. */
  readonly abandoned: RecordedRequest[];
  /** Resolves once `count` requests (default 1) have been abandoned since the last clearRequests(). */
  untilAbandoned(count?: number): Promise<void>;
  clearRequests(): void;
  /** Faults are consumed first-in first-out by matching requests; a faulted request is still recorded. */
  inject(fault: Fault): void;
  clearFaults(): void;
}
