import { describeError } from "./client/errors.js";
import { credentialNames, formatJson, stdioClientConfig } from "./client-config.js";
import type { Settings } from "./config.js";
import { providers } from "./providers/index.js";
import type { ProviderId } from "./providers/types.js";
import { createRuntime, toolContext } from "./server.js";
import { runOperation } from "./tools/execute.js";
import { allOperations } from "./tools/registry.js";

/** How long one provider's check may take before it counts as failed. */
const probeTimeoutMs = 20_000;

/** Credential pairs where one half alone configures nothing: almost always a mistake in the environment. */
const credentialPairs: Partial<Record<ProviderId, readonly [string, string]>> = {
  aioz: ["AIOZ_STREAM_PUBLIC_KEY", "AIOZ_STREAM_SECRET_KEY"],
  aistudios: ["AISTUDIOS_APP_ID", "AISTUDIOS_USER_KEY"],
};

/** The half of a credential pair that is missing while the other half is set. */
function missingHalf(
  provider: ProviderId,
  env: NodeJS.ProcessEnv,
): { set: string; missing: string } | undefined {
  const pair = credentialPairs[provider];
  if (!pair) return undefined;
  const [first, second] = pair;
  const has = (name: string) => Boolean(env[name]?.trim());
  if (has(first) && !has(second)) return { set: first, missing: second };
  if (has(second) && !has(first)) return { set: second, missing: first };
  return undefined;
}

/** AI Studios' hosts: the document's default, and the global service one variable away. */
const aistudiosDefaultBaseUrl = "https://app.aistudios.cn";
const aistudiosGlobalBaseUrl = "https://app.aistudios.com";

/** Advice about a provider's configuration worth giving whatever the probe says. */
function configurationNotes(provider: ProviderId, env: NodeJS.ProcessEnv, sandbox: boolean): string[] {
  if (provider !== "aistudios" || sandbox || !env.AISTUDIOS_API_KEY?.trim()) return [];
  return [
    "note: AISTUDIOS_API_KEY is an access token that lasts 24 hours; to run unattended, set AISTUDIOS_APP_ID + AISTUDIOS_USER_KEY instead (exchanged for a token and refreshed automatically)",
  ];
}

/**
 * Advice after a failed probe that the error itself cannot know: an AI Studios account may live on the
 * global host rather than the default one.
 */
function failureNotes(provider: ProviderId, baseUrl: string): string[] {
  const host = baseUrl.replace(/\/+$/, "");
  if (provider !== "aistudios" || host === aistudiosGlobalBaseUrl) return [];
  const which = host === aistudiosDefaultBaseUrl ? `${aistudiosDefaultBaseUrl} is the default host; ` : "";
  return [
    `note: ${which}an account on the global service needs AISTUDIOS_BASE_URL=${aistudiosGlobalBaseUrl}`,
  ];
}

export interface DoctorReport {
  text: string;
  ok: boolean;
}

/**
 * `mediagate doctor`: which providers are configured, and for each configured one a harmless read
 * request (the provider's `probe` operation) through the same client the tools use, so the check covers
 * base URL, credentials, envelope and network. Ends with the client configuration snippet.
 */
export async function runDoctor(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  options: { sandbox?: boolean } = {},
): Promise<DoctorReport> {
  const runtime = createRuntime({ ...settings, toolsets: undefined, readOnly: false });
  const lines: string[] = [];
  let ok = true;
  const width = Math.max(...providers.map((provider) => provider.name.length));
  const configured: ProviderId[] = [];

  for (const provider of providers) {
    const label = `  ${provider.name.padEnd(width)}  `;
    const config = settings.providers.get(provider.id);
    if (!config) {
      const half = missingHalf(provider.id, env);
      if (half) {
        ok = false;
        lines.push(`${label}problem: ${half.set} is set but ${half.missing} is not — set both, or neither`);
      } else {
        lines.push(`${label}not configured (set ${provider.credentialVariables} to use its tools)`);
      }
      continue;
    }
    configured.push(provider.id);
    const using = options.sandbox ? "the sandbox" : credentialNames(provider.id, env).join(" + ");
    const operation = allOperations.find((candidate) => candidate.name === provider.probe.operation);
    if (!operation)
      throw new Error(`${provider.id}: probe operation ${provider.probe.operation} does not exist`);
    const signal = AbortSignal.timeout(probeTimeoutMs);
    const context = toolContext(runtime, { signal, sendNotification: async () => undefined });
    try {
      await runOperation(operation, operation.input.parse(provider.probe.input), context);
      lines.push(`${label}ok — ${config.baseUrl} accepted ${using} (${operation.name})`);
      for (const note of configurationNotes(provider.id, env, options.sandbox ?? false)) {
        lines.push(`${" ".repeat(label.length)}${note}`);
      }
    } catch (error) {
      ok = false;
      const reason = signal.aborted
        ? `no answer within ${probeTimeoutMs / 1000} s — check the network and ${provider.id.toUpperCase()} base URL`
        : describeError(error, settings.secrets);
      lines.push(`${label}FAILED at ${config.baseUrl} with ${using}: ${reason}`);
      for (const note of [
        ...failureNotes(provider.id, config.baseUrl),
        ...configurationNotes(provider.id, env, options.sandbox ?? false),
      ]) {
        lines.push(`${" ".repeat(label.length)}${note}`);
      }
    }
  }
  if (configured.length === 0) {
    ok = false;
    lines.push(
      "",
      "No provider is configured: set the credentials of at least one provider (above), or run `mediagate --sandbox` to try every tool locally without accounts.",
    );
  }

  lines.push(
    "",
    `File roots (MEDIAGATE_FILE_ROOTS): ${settings.runtime.fileRoots.join(", ")}`,
    `HTTP bearer token (MEDIAGATE_HTTP_TOKEN): ${env.MEDIAGATE_HTTP_TOKEN ? "set" : "not set — required for --http on a non-loopback --host"}`,
    "",
    "Client configuration (claude_desktop_config.json, .cursor/mcp.json, .mcp.json):",
    formatJson(stdioClientConfig({ sandbox: options.sandbox ?? false, configured, env })),
  );
  const header = ok ? "mediagate doctor: everything works" : "mediagate doctor: found a problem";
  return { ok, text: `${header}\n${lines.join("\n")}\n` };
}
