import { isIP } from "node:net";
import { providers } from "./catalog.js";
import { MediagateError } from "./errors.js";
import { configuredRoots } from "./files/roots.js";
import { parseMediaOrigins } from "./player/media-origins.js";
import {
  type ProviderConfig,
  type ProviderId,
  type RuntimeConfig,
  type ToolsetId,
  toolsetIds,
} from "./types.js";

export interface Settings {
  runtime: RuntimeConfig;
  /** Configured providers and their configuration. */
  providers: Map<ProviderId, ProviderConfig>;
  toolsets: ReadonlySet<ToolsetId> | undefined;
  readOnly: boolean;
  secrets: string[];
  /** `MEDIAGATE_MEDIA_ORIGINS`: where the player may load media from, beyond the providers' own hosts. */
  mediaOrigins?: readonly string[];
}

export interface SettingsOptions {
  http?: boolean;
  /** Started by the Claude Desktop bundle (src/bundle/entry.ts): its folder setting is the only fallback root. */
  bundle?: boolean;
  sandbox?: boolean;
  toolsets?: string | undefined;
  readOnly?: boolean;
  /** Origins on private addresses `url` sources may still reach over HTTP: the sandbox's emulators. */
  privateUrlOrigins?: readonly string[];
}

export function parseToolsets(value: string | undefined): ReadonlySet<ToolsetId> | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  for (const name of names) {
    if (!toolsetIds.includes(name as ToolsetId)) {
      throw new MediagateError(
        "invalid_input",
        `--toolsets: unknown toolset "${name}"; choose from ${toolsetIds.join(", ")}`,
      );
    }
  }
  if (names.length === 0)
    throw new MediagateError("invalid_input", `--toolsets: name at least one of ${toolsetIds.join(", ")}`);
  return new Set(names as ToolsetId[]);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/** `localhost` or a loopback address: plain http there never leaves the machine. */
async function isLoopbackHost(hostname: string): Promise<boolean> {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost") return true;
  if (isIP(host) === 0) return false;
  // Loaded only for a plain http base URL: start-up with the default https ones does without it.
  const { default: ipaddr } = await import("ipaddr.js");
  return ipaddr.process(host).range() === "loopback";
}

/**
 * `MEDIAGATE_REQUEST_TIMEOUT_MS`: the time limit of one attempt of a provider request, in milliseconds
 * (default 30000; file parts get their own, longer limit). Unset or empty keeps the default.
 */
export function parseRequestTimeout(
  value: string | undefined,
  variable = "MEDIAGATE_REQUEST_TIMEOUT_MS",
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const ms = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(ms) || ms < 1) {
    throw new MediagateError(
      "invalid_input",
      `${variable}: "${text}" is not a positive whole number of milliseconds`,
    );
  }
  return ms;
}

/** `MEDIAGATE_HTTP_TOKEN` as clients must send it (surrounding whitespace dropped), or undefined. */
export function httpTokenOf(env: NodeJS.ProcessEnv): string | undefined {
  return env.MEDIAGATE_HTTP_TOKEN?.trim() || undefined;
}

/** Reads the environment once, at start-up; a problem stops start-up with one clear line. */
export async function loadSettings(env: NodeJS.ProcessEnv, options: SettingsOptions = {}): Promise<Settings> {
  const requestTimeoutMs = parseRequestTimeout(env.MEDIAGATE_REQUEST_TIMEOUT_MS);
  // A request's budget across its attempts (default 50000) and the longest pause in an answer's body
  // (default 10000): lowered by tests to see the limits work without waiting for them.
  const requestBudgetMs = parseRequestTimeout(env.MEDIAGATE_REQUEST_BUDGET_MS, "MEDIAGATE_REQUEST_BUDGET_MS");
  const stallTimeoutMs = parseRequestTimeout(env.MEDIAGATE_STALL_TIMEOUT_MS, "MEDIAGATE_STALL_TIMEOUT_MS");
  const configured = new Map<ProviderId, ProviderConfig>();
  const secrets: string[] = [];
  for (const provider of providers) {
    const config = provider.configFromEnv(env);
    if (config) {
      if (!isHttpUrl(config.baseUrl)) {
        throw new MediagateError(
          "invalid_input",
          `${provider.environment.baseUrl.variable}: "${config.baseUrl}" is not an http(s) URL (${provider.name}'s API base URL)`,
        );
      }
      const base = new URL(config.baseUrl);
      if (base.protocol === "http:" && !(await isLoopbackHost(base.hostname))) {
        // Every request carries the provider's credentials: over plain http anyone on the path reads them.
        throw new MediagateError(
          "invalid_input",
          `${provider.environment.baseUrl.variable}: "${base.origin}" is plain http, which would send ${provider.name}'s credentials in clear; use https (http is accepted for loopback only, such as a local sandbox)`,
        );
      }
      if (requestTimeoutMs !== undefined) config.requestTimeoutMs = requestTimeoutMs;
      if (requestBudgetMs !== undefined) config.requestBudgetMs = requestBudgetMs;
      if (stallTimeoutMs !== undefined) config.stallTimeoutMs = stallTimeoutMs;
      configured.set(provider.id, config);
      secrets.push(...config.secrets);
    }
  }
  const httpToken = httpTokenOf(env);
  if (httpToken) secrets.push(httpToken);
  const launch = options.bundle ? "bundle" : options.http ? "http" : "stdio";
  return {
    runtime: {
      fileRoots: await configuredRoots(env, launch),
      allowPrivateUrls: env.MEDIAGATE_ALLOW_PRIVATE_URLS === "1",
      ...(options.privateUrlOrigins ? { privateUrlOrigins: options.privateUrlOrigins } : {}),
      http: options.http ?? false,
      sandbox: options.sandbox ?? false,
    },
    providers: configured,
    toolsets: parseToolsets(options.toolsets),
    readOnly: options.readOnly ?? false,
    secrets,
    mediaOrigins: await parseMediaOrigins(env.MEDIAGATE_MEDIA_ORIGINS),
  };
}
