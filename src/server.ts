import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type ListToolsResult, SetLevelRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { allOperations, providerById } from "./catalog.js";
import { ProviderClient } from "./client/provider-client.js";
import type { Settings } from "./config.js";
import { MediagateError } from "./errors.js";
import { SessionRoots } from "./files/session-roots.js";
import type { ClientLog, ClientLogLevel } from "./log.js";
import { type MediaCsp, mediaCsp } from "./player/media-origins.js";
import { registerPlayer } from "./player/resource.js";
import { registerPrompts } from "./prompts/register.js";
import { zodSchemaValidator } from "./schema-validator.js";
import { JobTasks, tasksCapability } from "./tasks/job-tasks.js";
import type { Operation, ToolContext } from "./tools/operation.js";
import { listTools, registerOperations, selectOperations, type ToolCallExtra } from "./tools/registry.js";
import type { ProviderId, RuntimeConfig } from "./types.js";
import { version } from "./version.js";

/** What lives as long as the process: provider clients (and their connection pools) and the tool list. */
export interface Runtime {
  config: RuntimeConfig;
  clients: ReadonlyMap<ProviderId, ProviderClient>;
  operations: readonly Operation[];
  /** The read-only ones among them: what a caller whose token grants only the read scope sees. */
  readOnlyOperations: readonly Operation[];
  /** The tools/list answers, made here once: every server of the process (one per HTTP request) serves one. */
  toolList: ListToolsResult["tools"];
  /** The tools/list answer of the read-only operations. */
  readOnlyToolList: ListToolsResult["tools"];
  secrets: readonly string[];
  /** Where the player may load media from: what its resource declares to hosts. */
  mediaCsp: MediaCsp;
}

export function createRuntime(settings: Settings): Runtime {
  const clients = new Map<ProviderId, ProviderClient>();
  for (const [id, config] of settings.providers)
    clients.set(id, new ProviderClient(providerById(id), config));
  const operations = selectOperations(allOperations, {
    configured: new Set(settings.providers.keys()),
    toolsets: settings.toolsets,
    readOnly: settings.readOnly,
  });
  const readOnlyOperations = operations.filter((operation) => operation.annotations.readOnlyHint);
  return {
    config: settings.runtime,
    clients,
    operations,
    readOnlyOperations,
    toolList: listTools(operations),
    readOnlyToolList: listTools(readOnlyOperations),
    secrets: settings.secrets,
    mediaCsp: mediaCsp(
      [...settings.providers].map(([id, config]) => ({
        id,
        baseUrl: config.baseUrl,
        defaultBaseUrl: providerById(id).environment.baseUrl.default,
      })),
      settings.mediaOrigins ?? [],
      settings.runtime.sandbox,
    ),
  };
}

/**
 * What every session reads once: the wording tools share is said here rather than in each description,
 * and the full form of an AIOZ quality, which the tool listing shows only as an object.
 */
const instructions = [
  "mediagate gives you VideoDB (video streams, AI video generation), AIOZ Stream (audio hosting and HLS/DASH streaming) and AI Studios (text to speech, presenter videos).",
  "Long work returns a job: pass its id to job_wait until status is done, then use the URLs in job.result. wait_s is how long a tool that starts a job waits for it before returning it as it is (0: at once).",
  "file_path: a local file inside the allowed folders (the client's roots, else MEDIAGATE_FILE_ROOTS); a relative path starts from the first one. A url source is streamed through, not stored, and needs a Content-Length when larger than one part.",
  "AIOZ uploads: parts of chunk_size_bytes (AIOZ wants 50-200 MB, all but the last), sent in order from index 1; resume with the same size.",
  'AIOZ qualities: presets "<level>-<hls|dash>" (standard 128 kbps, good 192, highest 320 at 44.1 kHz, lossless 320 at 48 kHz; hls in mpegts, dash in fmp4), or full objects {resolution: standard|good|highest|lossless, type: hls|dash, container_type: hls mpegts|mp4, dash fmp4, audio_config: {codec: "aac", bitrate: integer bits/s > 0, channels: "2", sample_rate: 8000|11025|16000|22050|32000|44100|48000|88200|96000, language?: BCP 47, index?: input track, usually 0}}.',
].join(" ");

/** Said to the agent in sandbox mode, so nothing it reports to its user is mistaken for real provider output. */
const sandboxInstructions =
  " This server runs the mediagate SANDBOX: every provider is a local emulator on 127.0.0.1, so results, media and URLs are placeholders that play and open on this machine only; tell the user so.";

/** The log level a client set with logging/setLevel, kept by the server that serves its session. */
export interface ClientLogState {
  level: ClientLogLevel | undefined;
}

export function unconfiguredError(provider: ProviderId): MediagateError {
  const known = providerById(provider);
  return new MediagateError(
    "unconfigured",
    `${known.name} is not configured: set ${known.credentialVariables} in the server's environment, or start mediagate with --sandbox to try every tool locally.`,
  );
}

/**
 * The tool context of one call: its cancellation signal, its progress token, the provider clients, and
 * the file roots of the client that made it (without `roots`, the configured ones alone).
 */
export function toolContext(
  runtime: Runtime,
  extra: ToolCallExtra,
  logState?: ClientLogState,
  roots: SessionRoots = new SessionRoots(runtime.config.fileRoots),
): ToolContext {
  const token = extra._meta?.progressToken;
  const clientLog: ClientLog | undefined = logState && {
    level: () => logState.level,
    send(params) {
      if (extra.signal.aborted) return;
      // Sent on the call's own stream (over HTTP, the answer's SSE stream), so it reaches the right client.
      extra.sendNotification({ method: "notifications/message", params }).catch(() => undefined);
    },
  };
  return {
    signal: extra.signal,
    startedAt: Date.now(),
    ...(clientLog ? { clientLog } : {}),
    config: runtime.config,
    fileRoots: (field = "file_path") => roots.list(field, extra.signal),
    client(provider) {
      const client = runtime.clients.get(provider);
      if (!client) throw unconfiguredError(provider);
      return client;
    },
    jobSource(provider) {
      const source = providerById(provider).jobs;
      if (!source) throw new MediagateError("invalid_input", `job_id: ${provider} has no asynchronous jobs`);
      return source;
    },
    async progress(progress, total, message) {
      if (token === undefined || extra.signal.aborted) return;
      await extra
        .sendNotification({
          method: "notifications/progress",
          params: {
            progressToken: token,
            progress,
            ...(total === undefined ? {} : { total }),
            ...(message === undefined ? {} : { message }),
          },
        })
        .catch(() => undefined);
    },
  };
}

/**
 * One MCP server with the runtime's tools, or only its read-only ones (`access` "read", a token with only
 * the read scope). Cheap: stateless HTTP makes one per request.
 *
 * Log messages: a client gets the log lines its own tool calls cause, from the level it set with
 * logging/setLevel, or until then from the server's level (MEDIAGATE_LOG_LEVEL, default info). Over
 * stdio the level lasts for the session. Over stateless HTTP every request has a server of its own, so a
 * level set in one request does not reach the next: calls there get the server's level.
 */
export function createServer(runtime: Runtime, access: "read" | "write" = "write"): McpServer {
  const [operations, toolList] =
    access === "read"
      ? [runtime.readOnlyOperations, runtime.readOnlyToolList]
      : [runtime.operations, runtime.toolList];
  const logState: ClientLogState = { level: undefined };
  const roots = new SessionRoots(runtime.config.fileRoots);
  const makeContext = (extra: ToolCallExtra) => toolContext(runtime, extra, logState, roots);
  const tasks = new JobTasks({ makeContext, secrets: runtime.secrets });
  const server = new McpServer(
    { name: "mediagate", version, title: "mediagate" },
    {
      capabilities: { tools: {}, logging: {}, tasks: tasksCapability },
      taskStore: tasks.store,
      jsonSchemaValidator: zodSchemaValidator,
      instructions: runtime.config.sandbox ? instructions + sandboxInstructions : instructions,
    },
  );
  // Over stateless HTTP this server lives for one request and cannot ask the client anything (SessionRoots).
  if (!runtime.config.http) roots.follow(server.server);
  // Replaces the SDK's own handler, which keeps the level where only its sendLoggingMessage reads it;
  // that sends outside the call's stream, so over HTTP the message would reach no one.
  server.server.setRequestHandler(SetLevelRequestSchema, async (request) => {
    logState.level = request.params.level;
    return {};
  });
  registerOperations(server, operations, toolList, makeContext, runtime.secrets, tasks);
  registerPrompts(server, new Set(operations.map((operation) => operation.name)));
  if (operations.some((operation) => operation.ui === "player")) {
    registerPlayer(server, runtime.mediaCsp);
  }
  return server;
}
