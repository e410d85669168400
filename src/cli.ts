#!/usr/bin/env node
import { isIP } from "node:net";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { launch } from "./bundle/launch.js";
import { providers } from "./catalog.js";
import { formatJson, httpClientConfig, stdioClientConfig } from "./client-config.js";
import { httpTokenOf, loadSettings } from "./config.js";
import { runDoctor } from "./doctor.js";
import { describeError, MediagateError } from "./errors.js";
import { configureLog, log } from "./log.js";
import { credentialPhrase } from "./providers/environment.js";
import type { LocalSandbox } from "./sandbox/local.js";
import { createRuntime, createServer } from "./server.js";
import type { RunningHttpServer } from "./transport/http.js";
import type { OAuthSettings } from "./transport/oauth/settings.js";
import { BatchingStdioServerTransport } from "./transport/stdio.js";
import { version } from "./version.js";

// undici parses HTTP with llhttp compiled to WebAssembly, the only WebAssembly this process compiles. Once
// it is hot, V8 compiles it again with TurboFan, which holds about 20 MiB of compiler memory for a moment:
// Liftoff's code parses provider answers, a few KiB each, as fast as matters here, and an upload's peak RSS
// stays within its goal (bench/upload.ts). Where mediagate's start-up is its own, the flag is on node's
// command line (the bundle's manifest). `npx mediagate` starts through the bin's `#!/usr/bin/env node`,
// which cannot carry a flag portably (BusyBox's env, in Alpine images, has no -S), so it is set here
// instead: before undici loads, on the first provider request; V8 reads it when a module is compiled.
if (!process.execArgv.includes("--liftoff-only")) setFlagsFromString("--liftoff-only");

const usage = `mediagate ${version}: MCP server for media (VideoDB, AIOZ Stream, AI Studios)

Usage:
  mediagate                       MCP over stdio (what Claude Desktop launches)
  mediagate --http [--host H] [--port P]
                                  MCP over Streamable HTTP at http://H:P/mcp (default 127.0.0.1:3333;
                                  --port 0 picks a free port; the URL is printed on stderr)
  mediagate --sandbox ...         use the built-in local provider sandbox instead of the real providers
  mediagate --toolsets videodb,aioz,aistudios,jobs
                                  register only these tool sets
  mediagate --read-only           register only tools that change nothing
  mediagate doctor [--sandbox]    check configuration and each provider's credentials, then exit
  mediagate --help | --version

Environment:
${providers
  .map(({ environment }) => `  ${credentialPhrase(environment, " + ")}, ${environment.baseUrl.variable}\n`)
  .join(
    "",
  )}  MEDIAGATE_FILE_ROOTS            folders tools may read local files from when the client shares no roots
                                  (default over stdio: the current directory, unless it is / or your
                                  home; over --http: none)
  MEDIAGATE_HTTP_TOKEN            bearer token required on /mcp in --http mode (this or OAuth off loopback)
  MEDIAGATE_OAUTH_ISSUER          --http: require access tokens from this OAuth authorization server
  MEDIAGATE_PUBLIC_URL            --http: the https:// origin clients reach mediagate at (needed off loopback)
  MEDIAGATE_OAUTH_AUDIENCE        the token audience to require instead of <MEDIAGATE_PUBLIC_URL>/mcp
  MEDIAGATE_OAUTH_READ_SCOPE      scope for the read-only tools (default mediagate:read)
  MEDIAGATE_OAUTH_WRITE_SCOPE     scope for every tool (default mediagate:write)
  MEDIAGATE_OAUTH_INTROSPECTION_URL, MEDIAGATE_OAUTH_CLIENT_ID, MEDIAGATE_OAUTH_CLIENT_SECRET
                                  RFC 7662 introspection, for issuers whose access tokens are opaque
  MEDIAGATE_SANDBOX_FAILURE_RATE  0 to 1: share of sandbox jobs that fail on purpose (default 0)
  MEDIAGATE_REQUEST_TIMEOUT_MS    time limit of one provider request attempt (default 30000)
  MEDIAGATE_REQUEST_BUDGET_MS     time limit of one provider request across its attempts (default 50000)
  MEDIAGATE_STALL_TIMEOUT_MS      an answer whose body pauses this long is a timeout (default 10000)
  MEDIAGATE_ALLOW_PRIVATE_URLS    1 lets url sources point at private and loopback addresses
  MEDIAGATE_LOG_LEVEL             debug, info (default), warn, error or silent
  MEDIAGATE_MEDIA_ORIGINS         https origins that serve your media to the player (space separated)

Exit codes: 0 ok, 1 doctor found a problem, 2 configuration error.
`;

/** A configuration mistake: one line on stderr, exit code 2. */
function configError(message: string): MediagateError {
  return new MediagateError("invalid_input", message);
}

/** `--port`: an integer from 0 (any free port) to 65535. */
function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw configError(`--port: "${text}" is not a port number from 0 to 65535 (0 picks a free one)`);
  }
  return port;
}

/** `--host`: an interface address or name, without scheme or port. */
function parseHost(text: string): string {
  const host = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (host === "" || /[/\s]/.test(host) || (host.includes(":") && isIP(host) !== 6)) {
    throw configError(`--host: "${text}" is not a host name or IP address (e.g. 127.0.0.1 or 0.0.0.0)`);
  }
  return host;
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        http: { type: "boolean", default: false },
        host: { type: "string" },
        port: { type: "string" },
        sandbox: { type: "boolean", default: false },
        toolsets: { type: "string" },
        "read-only": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", short: "v", default: false },
      },
    });
  } catch (error) {
    // Node's own message goes on to explain "--" for positionals; its first sentence is the point.
    const message =
      error instanceof Error ? (error.message.split(/\.\s/)[0] ?? error.message) : String(error);
    throw configError(`${message}; see mediagate --help`);
  }
}

/** Runs `stop` once on the first SIGINT/SIGTERM; a second signal runs `force`. */
function onShutdownSignals(stop: () => Promise<void>, force: () => void): void {
  let signals = 0;
  const handle = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      log("info", `${signal}: shutting down (again to cancel in-flight calls now)`);
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    } else {
      force();
    }
  };
  process.on("SIGINT", handle);
  process.on("SIGTERM", handle);
}

function httpBanner(
  url: string,
  tools: number,
  local: LocalSandbox | undefined,
  tokenRequired: boolean,
): string {
  const lines = [`mediagate: MCP over Streamable HTTP at ${url} (${tools} tools)`];
  if (!local) return `${lines.join("\n")}\n`;
  lines.push(
    "",
    "Connect a client to this server (Cursor, Claude Code, VS Code, .mcp.json):",
    formatJson(httpClientConfig(url, tokenRequired)),
    `  Claude Code:  claude mcp add --transport http mediagate ${url}`,
    "",
    "Claude Desktop launches its own sandbox over stdio (claude_desktop_config.json):",
    formatJson(stdioClientConfig({ sandbox: true })),
    "",
    "Try it with MCP Inspector:",
    `  npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
    `  npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/call --tool-name videodb_list_videos`,
    `  npx @modelcontextprotocol/inspector    (then Transport "Streamable HTTP", URL ${url})`,
    "",
    "Ctrl-C stops the server and the sandbox.",
  );
  return `${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const command = positionals[0];
  if (command !== undefined && (command !== "doctor" || positionals.length > 1)) {
    throw configError(`unknown command "${positionals.join(" ")}"; see mediagate --help`);
  }
  // Everything that can be checked without starting anything is checked first.
  const port = values.port === undefined ? 3333 : parsePort(values.port);
  const host = values.host === undefined ? "127.0.0.1" : parseHost(values.host);
  if (!values.http && (values.port !== undefined || values.host !== undefined)) {
    throw configError("--host and --port apply to --http only; add --http");
  }
  const token = httpTokenOf(process.env);
  // The HTTP transport is loaded only with --http: stdio start-up, which a desktop client waits for,
  // needs none of it.
  let oauth: OAuthSettings | undefined;
  if (values.http) {
    oauth = (await import("./transport/oauth/settings.js")).oauthSettingsFromEnv(process.env);
    (await import("./transport/guards.js")).assertSafeBind(host, token, oauth);
  }
  let env = process.env;
  let local: LocalSandbox | undefined;
  if (values.sandbox) {
    const { startLocalSandbox } = await import("./sandbox/local.js");
    local = await startLocalSandbox(env);
    env = local.env;
  }
  const closeSandbox = async () => {
    await local?.sandbox.close().catch(() => undefined);
  };
  try {
    const settings = await loadSettings(env, {
      http: values.http,
      bundle: launch.bundle,
      sandbox: values.sandbox,
      toolsets: values.toolsets,
      readOnly: values["read-only"],
      ...(local ? { privateUrlOrigins: local.privateUrlOrigins } : {}),
    });
    configureLog(env.MEDIAGATE_LOG_LEVEL, [
      ...settings.secrets,
      ...(oauth?.introspection ? [oauth.introspection.clientSecret] : []),
    ]);
    if (command === "doctor") {
      const report = await runDoctor(settings, env, { sandbox: values.sandbox });
      process.stdout.write(report.text);
      await closeSandbox();
      return report.ok ? 0 : 1;
    }
    if (local) process.stderr.write(`${local.banner}\n`);
    const runtime = createRuntime(settings);

    if (values.http) {
      let server: RunningHttpServer;
      try {
        const { startHttpServer } = await import("./transport/http.js");
        server = await startHttpServer({
          host,
          port,
          token,
          oauth,
          createServer: (access) => createServer(runtime, access),
          toolIsReadOnly: (name) =>
            runtime.operations.find((operation) => operation.name === name)?.annotations.readOnlyHint,
          health: () => ({
            name: "mediagate",
            version,
            tools: runtime.operations.length,
            ...(values.sandbox ? { sandbox: true } : {}),
          }),
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE")
          throw configError(`--port ${port}: the port is in use on ${host}; pick another`);
        if (code === "EADDRNOTAVAIL") throw configError(`--host ${host}: not an address of this machine`);
        if (code === "EACCES")
          throw configError(`--port ${port}: not allowed for this user; pick one above 1023`);
        throw error;
      }
      process.stderr.write(httpBanner(server.url, runtime.operations.length, local, token !== undefined));
      onShutdownSignals(
        async () => {
          await server.close();
          await closeSandbox();
        },
        () => server.cancelInFlight(),
      );
      return -1;
    }

    const server = createServer(runtime);
    const transport = new BatchingStdioServerTransport();
    const stop = async () => {
      await server.close().catch(() => undefined);
      await closeSandbox();
    };
    // The client closing stdin ends the session; the sandbox's listeners must not keep the process alive.
    process.stdin.once("end", () => {
      stop().then(() => process.exit(0));
    });
    onShutdownSignals(stop, () => process.exit(130));
    await server.connect(transport);
    log("info", `serving ${runtime.operations.length} tools over stdio`);
    return -1;
  } catch (error) {
    await closeSandbox();
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mediagate: ${describeError(error, [])}\n`);
    process.exitCode = error instanceof MediagateError ? 2 : 1;
  },
);
