import type { HttpRequest } from "../client/provider-client.js";
import type { Job } from "../jobs/job.js";
import type { Operation, ToolContext } from "../tools/operation.js";

export type ProviderId = "videodb" | "aioz" | "aistudios";

/** What every provider's configuration carries; providers add their credentials. */
export interface ProviderConfig {
  baseUrl: string;
  /** Values that must never appear in a result, an error or a log line. */
  secrets: string[];
  /** Per-attempt time limit of a request in ms (`MEDIAGATE_REQUEST_TIMEOUT_MS`); default 30000. */
  requestTimeoutMs?: number;
  /** Time limit of a request across all its attempts in ms (`MEDIAGATE_REQUEST_BUDGET_MS`); default 50000. */
  requestBudgetMs?: number;
  /** Longest pause in an answer's body before it is a timeout, in ms (`MEDIAGATE_STALL_TIMEOUT_MS`); default 10000. */
  stallTimeoutMs?: number;
}

/** Sends a request without the provider's auth: what a token exchange needs. */
export type SendUnauthenticated = (request: HttpRequest) => Promise<unknown>;

export interface Authenticator {
  /** Headers that authenticate one request. */
  headers(send: SendUnauthenticated, signal?: AbortSignal): Promise<Record<string, string>>;
  /** Forgets a cached token after the provider refused it. */
  invalidate?(): void;
}

/** A provider's answer after its envelope is taken off. */
export type Unwrapped = { ok: true; data: unknown } | { ok: false; message: string; code?: string };

/** How a provider's asynchronous work is polled, given only the remote id carried in the job id. */
export interface JobSource {
  kind: string;
  poll(remoteId: string, context: ToolContext): Promise<Job>;
  /** Shortest interval between two polls the provider allows, in ms. */
  minPollIntervalMs: number;
}

export interface Provider<C extends ProviderConfig = ProviderConfig> {
  id: ProviderId;
  /** The provider's name as users know it, used in every error message. */
  name: string;
  /** The credential variables, as a phrase: "AIOZ_STREAM_TOKEN (or AIOZ_STREAM_PUBLIC_KEY and AIOZ_STREAM_SECRET_KEY)". */
  credentialVariables: string;
  configFromEnv(env: NodeJS.ProcessEnv): C | undefined;
  /** What to do when the provider refuses the credentials (401/403); default: check `credentialVariables`. */
  authRemedy?(config: C): string;
  auth(config: C): Authenticator;
  unwrap(status: number, body: unknown): Unwrapped;
  operations: Operation[];
  jobs?: JobSource;
  /** A harmless read operation, with its input, that proves the credentials work (`mediagate doctor`). */
  probe: { operation: string; input: Record<string, unknown> };
}
