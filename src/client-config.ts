import { providers } from "./providers/index.js";
import type { ProviderId } from "./providers/types.js";

/** The placeholder shown for each credential variable: a snippet never carries a real secret. */
const placeholders: Record<string, string> = {
  VIDEODB_API_KEY: "<your VideoDB API key>",
  AIOZ_STREAM_TOKEN: "<your AIOZ Stream token>",
  AIOZ_STREAM_PUBLIC_KEY: "<your AIOZ Stream public key>",
  AIOZ_STREAM_SECRET_KEY: "<your AIOZ Stream secret key>",
  AISTUDIOS_API_KEY: "<your AI Studios API key>",
  AISTUDIOS_APP_ID: "<your AI Studios app id>",
  AISTUDIOS_USER_KEY: "<your AI Studios user key>",
};

/** The variables a provider is configured by in `env`, in the order the contract lists them. */
export function credentialNames(provider: ProviderId, env: NodeJS.ProcessEnv): string[] {
  const set = (name: string) => Boolean(env[name]?.trim());
  switch (provider) {
    case "videodb":
      return ["VIDEODB_API_KEY"];
    case "aioz":
      return set("AIOZ_STREAM_TOKEN")
        ? ["AIOZ_STREAM_TOKEN"]
        : ["AIOZ_STREAM_PUBLIC_KEY", "AIOZ_STREAM_SECRET_KEY"];
    case "aistudios":
      return set("AISTUDIOS_API_KEY") ? ["AISTUDIOS_API_KEY"] : ["AISTUDIOS_APP_ID", "AISTUDIOS_USER_KEY"];
  }
}

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
    for (const name of credentialNames(id, options.env ?? {})) env[name] = placeholders[name] ?? `<${name}>`;
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
