import { allOperations, providers } from "./catalog.js";
import { formatJson, stdioClientConfig } from "./client-config.js";
import { httpTokenOf, type Settings } from "./config.js";
import { describeError } from "./errors.js";
import { credentialSet, missingPartner } from "./providers/environment.js";
import { createRuntime, toolContext } from "./server.js";
import { runOperation } from "./tools/execute.js";
import type { FileRootsConfig, ProviderId } from "./types.js";

/** How long one provider's check may take before it counts as failed. */
const probeTimeoutMs = 20_000;

/** Where tools may read local files, as this process would: a client's own MCP roots come first. */
function fileRootsLine(roots: FileRootsConfig, env: NodeJS.ProcessEnv): string {
  if (roots.directories.length === 0) return `File roots: none — ${roots.whenNone}`;
  const from = env.MEDIAGATE_FILE_ROOTS?.trim() ? "MEDIAGATE_FILE_ROOTS" : "the working directory";
  return `File roots (${from}; a client that shares MCP roots uses its own instead): ${roots.directories.join(", ")}`;
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
      const half = missingPartner(provider.environment, env);
      if (half) {
        ok = false;
        lines.push(`${label}problem: ${half.set} is set but ${half.missing} is not — set both, or neither`);
      } else {
        lines.push(`${label}not configured (set ${provider.credentialVariables} to use its tools)`);
      }
      continue;
    }
    configured.push(provider.id);
    const using = options.sandbox
      ? "the sandbox"
      : credentialSet(provider.environment, env)
          .map((variable) => variable.name)
          .join(" + ");
    const operation = allOperations.find((candidate) => candidate.name === provider.probe.operation);
    if (!operation)
      throw new Error(`${provider.id}: probe operation ${provider.probe.operation} does not exist`);
    const signal = AbortSignal.timeout(probeTimeoutMs);
    const context = toolContext(runtime, { signal, sendNotification: async () => undefined });
    try {
      await runOperation(operation, operation.input.parse(provider.probe.input), context);
      lines.push(`${label}ok — ${config.baseUrl} accepted ${using} (${operation.name})`);
      for (const note of provider.doctorNotes?.configuration?.(env, options.sandbox ?? false) ?? []) {
        lines.push(`${" ".repeat(label.length)}${note}`);
      }
    } catch (error) {
      ok = false;
      const reason = signal.aborted
        ? `no answer within ${probeTimeoutMs / 1000} s — check the network and ${provider.environment.baseUrl.variable}`
        : describeError(error, settings.secrets);
      lines.push(`${label}FAILED at ${config.baseUrl} with ${using}: ${reason}`);
      for (const note of [
        ...(provider.doctorNotes?.failure?.(config.baseUrl) ?? []),
        ...(provider.doctorNotes?.configuration?.(env, options.sandbox ?? false) ?? []),
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
    fileRootsLine(settings.runtime.fileRoots, env),
    `HTTP bearer token (MEDIAGATE_HTTP_TOKEN): ${httpTokenOf(env) ? "set" : "not set — required for --http on a non-loopback --host"}`,
    "",
    "Client configuration (claude_desktop_config.json, .cursor/mcp.json, .mcp.json):",
    formatJson(stdioClientConfig({ sandbox: options.sandbox ?? false, configured, env })),
  );
  const header = ok ? "mediagate doctor: everything works" : "mediagate doctor: found a problem";
  return { ok, text: `${header}\n${lines.join("\n")}\n` };
}
