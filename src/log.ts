import { redact } from "./errors.js";

/**
 * Logs go to stderr, and to the MCP client whose tool call they belong to (as `notifications/message`).
 * In stdio mode stdout carries nothing but MCP messages. Every line, on either path, passes through the
 * same redaction as tool errors.
 */

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

/** The MCP log levels (RFC 5424 severities) on the same scale as mediagate's own. */
const clientLevels = {
  debug: 10,
  info: 20,
  notice: 25,
  warning: 30,
  error: 40,
  critical: 50,
  alert: 60,
  emergency: 70,
} as const;
export type ClientLogLevel = keyof typeof clientLevels;
const toClientLevel = { debug: "debug", info: "info", warn: "warning", error: "error" } as const;

let threshold: number = levels.info;
const secrets: string[] = [];

export function configureLog(level: string | undefined, secretValues: readonly string[]): void {
  if (level && level in levels) threshold = levels[level as LogLevel];
  secrets.splice(0, secrets.length, ...secretValues);
}

/** Where the log lines of one tool call go besides stderr: the client that made the call. */
export interface ClientLog {
  /** The lowest level the client asked for (logging/setLevel), or undefined for the server's own. */
  level(): ClientLogLevel | undefined;
  send(message: { level: ClientLogLevel; logger: string; data: Record<string, unknown> }): void;
}

/**
 * The client of each call, found from the abort signal its work carries (every provider request and wait
 * has one). An AsyncLocalStorage would need no signal, but on Node 20 it makes every promise of the process
 * run hooks, a cost every call would pay (bench/README.md).
 */
const clientLogs = new WeakMap<AbortSignal, ClientLog>();

/** Lines logged for work that carries `signal` reach `client` too (when given). */
export function routeLogs(signal: AbortSignal, client: ClientLog | undefined): void {
  if (client !== undefined) clientLogs.set(signal, client);
}

/** A signal derived from `parent` (a wait's own deadline, say) sends its lines where the parent's go. */
export function followLogs(signal: AbortSignal, parent: AbortSignal): void {
  const client = clientLogs.get(parent);
  if (client !== undefined) clientLogs.set(signal, client);
}

function clientThreshold(client: ClientLog): number {
  const level = client.level();
  return level === undefined ? threshold : clientLevels[level];
}

/** Secrets out of every string in a log message's fields, as they are out of the stderr line. */
function redactValue(value: unknown): unknown {
  if (typeof value === "string") return redact(value, secrets);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactValue(inner)]));
  }
  return value;
}

/** The client of the call that carries `signal`, when it asked for lines at `level`. */
function clientFor(level: Exclude<LogLevel, "silent">, signal?: AbortSignal): ClientLog | undefined {
  const client = signal === undefined ? undefined : clientLogs.get(signal);
  return client !== undefined && levels[level] >= clientThreshold(client) ? client : undefined;
}

/**
 * Whether a line at `level` for work that carries `signal` goes anywhere: lets a line logged on every
 * request skip building its fields when it would go nowhere.
 */
export function logs(level: Exclude<LogLevel, "silent">, signal?: AbortSignal): boolean {
  return levels[level] >= threshold || clientFor(level, signal) !== undefined;
}

/**
 * Writes a line to stderr at or above the server's level, and sends it to the client of the call whose
 * `signal` the logged work carries, at or above the level that client set.
 */
export function log(
  level: Exclude<LogLevel, "silent">,
  message: string,
  fields?: Record<string, unknown>,
  signal?: AbortSignal,
): void {
  const client = clientFor(level, signal);
  const toStderr = levels[level] >= threshold;
  if (!toStderr && client === undefined) return;
  // Redacted before JSON.stringify: a secret with a quote or a backslash is written escaped, and would
  // no longer match.
  const clean = fields ? (redactValue(fields) as Record<string, unknown>) : undefined;
  if (toStderr) {
    const suffix = clean ? ` ${JSON.stringify(clean)}` : "";
    process.stderr.write(`mediagate ${level}: ${redact(message, secrets)}${suffix}\n`);
  }
  if (client !== undefined) {
    client.send({
      level: toClientLevel[level],
      logger: "mediagate",
      data: { message: redact(message, secrets), ...clean },
    });
  }
}
