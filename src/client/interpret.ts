import { type ErrorKind, kindForStatus, MediagateError, redact, remedyFor } from "../errors.js";
import type { Unwrapped } from "../types.js";
import { parseRetryAfter } from "./retry.js";

/**
 * The longest provider message an error carries, in characters: enough for any real explanation, while an
 * answer of megabytes (an HTML error page, a runaway message) never fills a result or a log line.
 */
export const maxProviderMessageChars = 500;

/** A provider's message, its credentials out, cut to `maxProviderMessageChars` with an ellipsis. */
function providerText(message: string, credentials: readonly string[]): string {
  const clean = redact(message, credentials);
  if (clean.length <= maxProviderMessageChars) return clean;
  return `${clean.slice(0, maxProviderMessageChars - 1)}…`;
}

/** A provider's answer as it came: what one attempt returns. */
export interface Answer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** What reading an answer needs to know of the provider and the request. */
export interface AnswerReading {
  /** The provider's name, in every error. */
  name: string;
  unwrap(status: number, body: unknown): Unwrapped;
  /** What to do when the provider refuses the credentials (401/403). */
  authRemedy: string;
  /** Whether to take the envelope off a successful answer (false: job polling reads it whole). */
  envelope: boolean;
  /** Values that must not reach an error message, even when the provider's message repeats them. */
  credentials: readonly string[];
}

/**
 * What an answer means, and nothing else: the provider's data, or the error that says what went wrong
 * (kind from the status, the provider's own message, Retry-After, the remedy). A function of its
 * arguments (and the clock, for a Retry-After date): no request, no state.
 */
export function interpretAnswer(answer: Answer, reading: AnswerReading): unknown {
  const { status, text, headers } = answer;
  const { name, unwrap, authRemedy, envelope: unwrapEnvelope, credentials } = reading;
  const fail = (kind: ErrorKind, message: string, retryAfterMs?: number): never => {
    throw new MediagateError(kind, message, {
      provider: name,
      status,
      providerMessage: message,
      remedy: remedyFor(kind, authRemedy, retryAfterMs),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  };
  let parsed: unknown;
  let parseFailed = false;
  if (text.trim() === "") parsed = undefined;
  else {
    try {
      parsed = JSON.parse(text);
    } catch {
      parseFailed = true;
    }
  }
  const ok = status >= 200 && status < 300;
  // No Content is a whole answer: the tools that get it (delete, update) need no data.
  if ((status === 204 || status === 205) && parsed === undefined && !parseFailed) return undefined;
  const unwrapped = parsed === undefined || parseFailed ? undefined : unwrap(status, parsed);
  if (status >= 300 && status < 400) {
    throw new MediagateError("rejected", "redirected", {
      provider: name,
      status,
      providerMessage: `HTTP ${status} without a Location to follow`,
      remedy: "Check that the provider's base URL points at its API.",
    });
  }
  if (!ok) {
    const kind = kindForStatus(status);
    const retryAfterMs = parseRetryAfter(headers);
    const message =
      unwrapped && !unwrapped.ok ? unwrapped.message : text.trim() === "" ? "(empty answer)" : text.trim();
    return fail(kind, providerText(message, credentials), retryAfterMs);
  }
  if (parsed === undefined && !parseFailed) {
    throw new MediagateError("bad_response", "answered with an empty body", {
      provider: name,
      status,
      providerMessage: "the answer is empty",
      remedy: remedyFor("bad_response", ""),
    });
  }
  if (parseFailed || !unwrapped) {
    throw new MediagateError("bad_response", "answered with malformed JSON", {
      provider: name,
      status,
      providerMessage: "the answer is not valid JSON",
      remedy: remedyFor("bad_response", ""),
    });
  }
  if (!unwrapEnvelope) return parsed;
  if (!unwrapped.ok) return fail("rejected", providerText(unwrapped.message, credentials));
  return unwrapped.data;
}
