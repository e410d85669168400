import { redact } from "./client/errors.js";

/**
 * Logs go to stderr only: in stdio mode stdout carries nothing but MCP messages.
 * Every line passes through the same redaction as tool errors.
 */

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof levels;

let threshold: number = levels.info;
const secrets: string[] = [];

export function configureLog(level: string | undefined, secretValues: readonly string[]): void {
  if (level && level in levels) threshold = levels[level as LogLevel];
  secrets.splice(0, secrets.length, ...secretValues);
}

export function log(
  level: Exclude<LogLevel, "silent">,
  message: string,
  fields?: Record<string, unknown>,
): void {
  if (levels[level] < threshold) return;
  const suffix = fields ? ` ${JSON.stringify(fields)}` : "";
  process.stderr.write(`${redact(`mediagate ${level}: ${message}${suffix}`, secrets)}\n`);
}
