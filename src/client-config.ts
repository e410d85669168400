import { providerById, providers } from "./catalog.js";
import { credentialSet } from "./providers/environment.js";
import type { ProviderId } from "./types.js";

/**
 * The `mcpServers` entry that Claude Desktop, Cursor, Claude Code and MCP Inspector share, launching
 * mediagate over stdio. `configured` names the providers to put placeholders for (default: all three).
 */
export function stdioClientConfig(options: {
  sandbox?: boolean;
  configured?: readonly ProviderId[];
  env?: NodeJS.ProcessEnv;
}): object {
  if (options.sandbox) {
    return { mcpServers: { mediagate: { command: "npx", args: ["-y", "mediagate", "--sandbox"] } } };
  }
  const ids = options.configured?.length ? options.configured : providers.map((provider) => provider.id);
  const env: Record<string, string> = {};
  for (const id of ids) {
    for (const variable of credentialSet(providerById(id).environment, options.env ?? {})) {
      env[variable.name] = variable.placeholder;
    }
  }
  return { mcpServers: { mediagate: { command: "npx", args: ["-y", "mediagate"], env } } };
}

/** The entry for a client that connects to a running `mediagate --http` (Cursor, Claude Code, VS Code). */
export function httpClientConfig(url: string, tokenRequired: boolean): object {
  return {
    mcpServers: {
      mediagate: {
        type: "http",
        url,
        ...(tokenRequired ? { headers: { Authorization: "Bearer <MEDIAGATE_HTTP_TOKEN>" } } : {}),
      },
    },
  };
}

export function formatJson(value: object): string {
  return JSON.stringify(value, null, 2);
}
