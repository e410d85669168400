import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { TokenHolder } from "./oauth/access-token.js";

/**
 * Who sent a request, as far as the HTTP layer can tell: the one thing a stateless server can match a
 * `notifications/cancelled` to its call by (with the request id). Never the peer address: behind a
 * proxy every caller has the proxy's.
 */
export type Caller =
  /** A verified access token: its subject and the client it was issued to (either may be missing). */
  | { kind: "subject"; subject: string | undefined; clientId: string | undefined }
  /** A bearer token: the configured `MEDIAGATE_HTTP_TOKEN`, or any one on a server that checks none. */
  | { kind: "bearer"; token: string }
  /**
   * No credentials. Only a loopback bind serves such callers (`assertSafeBind`), after its Host and Origin
   * checks; every one of them may call every tool, so letting one cancel another's call gives nothing new.
   * Two such callers with the same request id in flight make a cancellation ambiguous: it is then ignored.
   */
  | { kind: "anonymous" };

/**
 * The caller of a request that passed authentication: the holder of a verified access token, when the
 * request brought one, else the bearer token itself. A client that sends a bearer token is told apart by
 * it even where none is required: the token only narrows whose calls its cancellations can reach.
 */
export function callerOf(req: IncomingMessage, holder?: TokenHolder): Caller {
  if (holder) return { kind: "subject", subject: holder.subject, clientId: holder.clientId };
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? "");
  return match?.[1] ? { kind: "bearer", token: match[1] } : { kind: "anonymous" };
}

/** A caller as a map key; a token only ever as its SHA-256, so no key holds a secret. */
export function callerKey(caller: Caller): string {
  switch (caller.kind) {
    case "subject":
      return `subject:${JSON.stringify([caller.subject ?? null, caller.clientId ?? null])}`;
    case "bearer":
      return `bearer:${createHash("sha256").update(caller.token, "utf8").digest("base64url")}`;
    case "anonymous":
      return "anonymous";
  }
}
