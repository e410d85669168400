/**
 * The types every layer shares. A leaf: it imports nothing of mediagate's, so the transport, the tool
 * registry, the client layer and each provider can all import it without a cycle.
 */

/**
 * Every provider's id, in the order their tools are listed. The catalog (src/catalog.ts) has exactly one
 * provider for each; the compiler holds the two together.
 */
export const providerIds = ["videodb", "aioz", "aistudios"] as const;
export type ProviderId = (typeof providerIds)[number];

/** A provider's tools, or the provider-neutral job tools. */
export type ToolsetId = ProviderId | "jobs";
export const toolsetIds: readonly ToolsetId[] = [...providerIds, "jobs"];

/**
 * Where local files may be read from when the client shares no roots of its own (src/files/roots.ts).
 * Tools ask `ToolContext.fileRoots()`, which puts the client's roots first.
 */
export interface FileRootsConfig {
  /**
   * `MEDIAGATE_FILE_ROOTS` (or the bundle's chosen folders), else over stdio the working directory,
   * resolved through symbolic links; empty when no folder is allowed.
   */
  directories: string[];
  /** How a user allows another folder: the end of "move the file into one of them, or …". */
  howToAllow: string;
  /** Why no folder is allowed and how to allow one: said when `directories` is empty. */
  whenNone: string;
}

/** What tools need to know about how mediagate runs. */
export interface RuntimeConfig {
  /** Local files' fallback roots; a tool reads `ToolContext.fileRoots()` instead, which asks the client first. */
  fileRoots: FileRootsConfig;
  /** Whether `url` sources may point at private and loopback addresses. */
  allowPrivateUrls: boolean;
  /**
   * Origins on private addresses (`http://127.0.0.1:41234`) `url` sources may still reach when private
   * addresses are refused, each exactly: the sandbox's emulators. Default none.
   */
  privateUrlOrigins?: readonly string[];
  /** Serving over Streamable HTTP (remote clients) rather than stdio. */
  http: boolean;
  /** Talking to the built-in sandbox (`--sandbox`), not the real providers. */
  sandbox?: boolean;
}

export const httpMethods = ["GET", "POST", "PATCH", "PUT", "DELETE"] as const;
export type HttpMethod = (typeof httpMethods)[number];
/** A provider request as the documents write it: `"POST /video/{video_id}/stream/"`. */
export type Route = `${HttpMethod} /${string}`;

/** A streamed request body, made anew for each attempt so a retry can send it again. */
export interface StreamBody {
  contentType: string;
  length?: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface HttpRequest {
  method: HttpMethod;
  /** Path below the base URL, already filled and encoded. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  stream?: StreamBody;
  headers?: Record<string, string>;
  /** Whether the request may be repeated; default: true for GET, PUT and DELETE. */
  safe?: boolean;
  /**
   * Per-attempt time limit in ms; default the client's. A limit longer than the client's budget (an
   * upload part, long by nature) frees the request from the budget: each attempt keeps its own limit.
   */
  timeoutMs?: number;
  /**
   * The latest moment (ms since the epoch) the request may still run, retries and redirects included: a
   * call with its own wait (`wait_s`, `timeout_s`) or several requests sharing one budget sets it.
   */
  deadline?: number;
  signal?: AbortSignal;
  /** Set false to get a successful answer's whole body, envelope included (job polling reads its status). */
  envelope?: boolean;
}

/** A configured provider: where it is, its credentials, and the limits its requests run under. */
export interface ProviderConfig {
  baseUrl: string;
  /** The credential variables that configured the provider, by name (one of its credential sets). */
  credentials: Readonly<Record<string, string>>;
  /** Values that must never appear in a result, an error or a log line. */
  secrets: string[];
  /** Per-attempt time limit of a request in ms (`MEDIAGATE_REQUEST_TIMEOUT_MS`); default 30000. */
  requestTimeoutMs?: number;
  /** Time limit of a request across all its attempts in ms (`MEDIAGATE_REQUEST_BUDGET_MS`); default 50000. */
  requestBudgetMs?: number;
  /** Longest pause in an answer's body before it is a timeout, in ms (`MEDIAGATE_STALL_TIMEOUT_MS`); default 10000. */
  stallTimeoutMs?: number;
}

/**
 * Sends a request without the provider's auth: what a token exchange needs. It runs under a budget of its
 * own from when it is called, and under the signal in the request, if any: never under the budget of the
 * call that asked for headers, since an exchange may serve several calls.
 */
export type SendUnauthenticated = (request: HttpRequest) => Promise<unknown>;

export interface Authenticator {
  /** Headers that authenticate one request. */
  headers(send: SendUnauthenticated, signal?: AbortSignal): Promise<Record<string, string>>;
  /** Forgets a cached token after the provider refused it. */
  invalidate?(): void;
}

/** A provider's answer after its envelope is taken off. */
export type Unwrapped = { ok: true; data: unknown } | { ok: false; message: string; code?: string };

/**
 * What the client layer knows of a provider: who it is, how it authenticates, how its answers are
 * wrapped, and what to say when it refuses the credentials. Not its operations.
 */
export interface ProviderProfile {
  id: ProviderId;
  /** The provider's name as users know it, used in every error message. */
  name: string;
  /** The credential variables, as a phrase: "AIOZ_STREAM_TOKEN (or AIOZ_STREAM_PUBLIC_KEY and AIOZ_STREAM_SECRET_KEY)". */
  credentialVariables: string;
  /** What to do when the provider refuses the credentials (401/403); default: check `credentialVariables`. */
  authRemedy?(config: ProviderConfig): string;
  auth(config: ProviderConfig): Authenticator;
  unwrap(status: number, body: unknown): Unwrapped;
}
