/**
 * Every failure a tool can meet, as one error type with a kind, and the one place that turns it into the
 * text an agent reads: provider, HTTP status, the provider's own message, and what to do next.
 */

export type ErrorKind =
  | "invalid_input"
  | "unconfigured"
  | "file_access"
  | "auth"
  | "not_found"
  | "rejected"
  | "conflict"
  | "too_large"
  | "rate_limited"
  | "unavailable"
  | "timeout"
  | "network"
  | "bad_response"
  | "cancelled";

export interface MediagateErrorOptions {
  provider?: string;
  status?: number;
  providerMessage?: string;
  remedy?: string;
  retryAfterMs?: number;
  cause?: unknown;
}

export class MediagateError extends Error {
  readonly kind: ErrorKind;
  readonly provider: string | undefined;
  readonly status: number | undefined;
  readonly providerMessage: string | undefined;
  readonly remedy: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(kind: ErrorKind, message: string, options: MediagateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MediagateError";
    this.kind = kind;
    this.provider = options.provider;
    this.status = options.status;
    this.providerMessage = options.providerMessage;
    this.remedy = options.remedy;
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** The one status → kind table. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return "auth";
  if (status === 404 || status === 410) return "not_found";
  if (status === 408) return "timeout";
  if (status === 409) return "conflict";
  if (status === 413) return "too_large";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "unavailable";
  return "rejected";
}

const remedyByKind: Partial<Record<ErrorKind, string>> = {
  not_found: "Check the id; list the provider's items to find a valid one.",
  rejected: "Fix the request as the provider's message says, then call again.",
  conflict: "The item is not in a state that allows this yet; check its status and call again.",
  too_large: "Send less data per request (a smaller part or a shorter text).",
  unavailable:
    "The provider is having trouble; mediagate already retried what was safe to retry. Try again in a minute.",
  timeout: "The provider did not answer in time; try again, or check the provider's status page.",
  network: "Check the network and the provider's base URL, then try again.",
  bad_response:
    "The provider sent an answer mediagate cannot read; try again, and check the base URL points at the provider's API.",
};

/** What to do about an error of this kind from this provider; `authRemedy` names the provider's variables. */
export function remedyFor(kind: ErrorKind, authRemedy: string, retryAfterMs?: number): string | undefined {
  if (kind === "auth") return authRemedy;
  if (kind === "rate_limited") {
    return retryAfterMs === undefined
      ? "Rate limited: wait a little before calling again."
      : `Rate limited: call again after ${Math.ceil(retryAfterMs / 1000)} s.`;
  }
  return remedyByKind[kind];
}

/** Removes every secret value (and anything after a Bearer keyword) from a text. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out.replace(/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, "$1 [redacted]");
}

/** The text of an `isError` tool result for any thrown value. No stack traces, no secrets. */
export function describeError(error: unknown, secrets: readonly string[]): string {
  if (error instanceof MediagateError) {
    const parts: string[] = [];
    if (error.provider && error.status !== undefined) {
      parts.push(
        `${error.provider} answered HTTP ${error.status}: ${error.providerMessage ?? error.message}`,
      );
    } else if (error.provider) {
      parts.push(`${error.provider}: ${error.message}`);
    } else {
      parts.push(error.message);
    }
    if (error.remedy) parts.push(error.remedy);
    return redact(parts.join(" — "), secrets);
  }
  const message = error instanceof Error ? error.message : String(error);
  return redact(`Unexpected error: ${message}`, secrets);
}

/**
 * The one way to say a call was cancelled: by the client (the default), or with what stopped as
 * `detail` ("the provider request was stopped").
 */
export function cancelledError(detail?: string, provider?: string): MediagateError {
  return new MediagateError(
    "cancelled",
    detail ? `Cancelled by the client; ${detail}.` : "Cancelled by the client.",
    {
      ...(provider === undefined ? {} : { provider }),
    },
  );
}
