#!/usr/bin/env node
import { parseArgs } from "node:util";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { describeError } from "./client/errors.js";
import { loadSettings } from "./config.js";
import { configureLog, log } from "./log.js";
import { createRuntime, createServer } from "./server.js";
import { version } from "./version.js";

const usage = `mediagate ${version}: MCP server for media (VideoDB, AIOZ Stream, AI Studios)

Usage:
  mediagate                       MCP over stdio (what Claude Desktop launches)
  mediagate --http [--host H] [--port P]
                                  MCP over Streamable HTTP at http://H:P/mcp (default 127.0.0.1:3333)
  mediagate --sandbox ...         use the built-in local provider sandbox instead of the real providers
  mediagate --toolsets videodb,aioz,aistudios,jobs
                                  register only these tool sets
  mediagate --read-only           register only tools that change nothing
  mediagate doctor                check configuration and each provider's credentials, then exit
  mediagate --help | --version

Environment:
  VIDEODB_API_KEY, VIDEODB_BASE_URL
  AIOZ_STREAM_TOKEN (or AIOZ_STREAM_PUBLIC_KEY + AIOZ_STREAM_SECRET_KEY), AIOZ_STREAM_BASE_URL
  AISTUDIOS_API_KEY (or AISTUDIOS_APP_ID + AISTUDIOS_USER_KEY), AISTUDIOS_BASE_URL
  MEDIAGATE_FILE_ROOTS   directories tools may read files from (default: the current directory)
  MEDIAGATE_HTTP_TOKEN   bearer token required on /mcp in --http mode
  MEDIAGATE_LOG_LEVEL    debug, info (default), warn, error or silent
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
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
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const settings = await loadSettings(process.env, {
    http: values.http,
    toolsets: values.toolsets,
    readOnly: values["read-only"],
  });
  configureLog(process.env.MEDIAGATE_LOG_LEVEL, settings.secrets);
  const runtime = createRuntime(settings);
  if (positionals[0] !== undefined) {
    process.stderr.write(`mediagate: unknown command "${positionals[0]}"; see mediagate --help\n`);
    return 2;
  }
  const server = createServer(runtime);
  await server.connect(new StdioServerTransport());
  log("info", `serving ${runtime.operations.length} tools over stdio`);
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`mediagate: ${describeError(error, [])}\n`);
    process.exitCode = 2;
  },
);
