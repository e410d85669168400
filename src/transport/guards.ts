import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestId } from "@modelcontextprotocol/sdk/types.js";
import { MediagateError } from "../errors.js";
import { hostnameOf, isLoopbackHost } from "./loopback.js";
import type { OAuthSettings } from "./oauth/settings.js";

/**
 * What stands between the network and an MCP server: the bind check, Host and Origin against DNS
 * rebinding, the bearer token, and the body limit. Each answers a refused request itself.
 */

/** The largest JSON-RPC body accepted on /mcp: tool inputs are small; files travel by path or URL. */
export const defaultMaxBodyBytes = 4 * 1024 * 1024;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function jsonRpcError(code: number, message: string, id: RequestId | null = null) {
  return { jsonrpc: "2.0", error: { code, message }, id };
}

/**
 * Refuses, before anything starts, to serve other machines with no way to tell callers apart, or, with
 * OAuth, to name the protected resource by an address no client can reach (`http://0.0.0.0:…`).
 */
export function assertSafeBind(
  host: string,
  token: string | undefined,
  oauth?: Pick<OAuthSettings, "publicUrl"> | undefined,
): void {
  if (isLoopbackHost(host)) return;
  if (!oauth && !token) {
    throw new MediagateError(
      "invalid_input",
      `--host ${host} is reachable from other machines: set MEDIAGATE_OAUTH_ISSUER (OAuth, what claude.ai and other hosts use) or MEDIAGATE_HTTP_TOKEN (every client must then send it), or bind to 127.0.0.1`,
    );
  }
  if (oauth && !oauth.publicUrl) {
    throw new MediagateError(
      "invalid_input",
      `--host ${host} with MEDIAGATE_OAUTH_ISSUER needs MEDIAGATE_PUBLIC_URL, the https:// origin clients reach mediagate at (e.g. https://media.example.com)`,
    );
  }
}

/** Who a loopback server is, as a browser names it: the host names that reach it and its port. */
export interface LoopbackIdentity {
  hostnames: readonly string[];
  port: number;
  /** `MEDIAGATE_PUBLIC_URL`'s origin, where a reverse proxy on this machine serves it under that name. */
  publicOrigin?: string;
}

/**
 * Whether an `Origin` is a page of this very server: http, one of its host names, and its port; or the
 * public URL's origin it is served under.
 */
function isOwnOrigin(origin: string, local: LoopbackIdentity): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin === local.publicOrigin) return true;
  const port = url.port === "" ? 80 : Number(url.port);
  return (
    url.protocol === "http:" && local.hostnames.includes(url.hostname.toLowerCase()) && port === local.port
  );
}

/**
 * On a loopback bind (`local` set), a request must name this server in Host, and a page's request must
 * come from this server's own origin: what keeps a web page from reaching it through DNS rebinding, and a
 * page served by another local program (another port) from calling it.
 */
export function checkHost(
  req: IncomingMessage,
  res: ServerResponse,
  local: LoopbackIdentity | undefined,
): boolean {
  if (!local) return true;
  const hostHeader = req.headers.host;
  const hostname = hostHeader === undefined ? undefined : hostnameOf(hostHeader);
  if (!hostname || !local.hostnames.includes(hostname)) {
    sendJson(
      res,
      403,
      jsonRpcError(-32000, `Forbidden: Host "${hostHeader ?? ""}" is not this local server`),
    );
    return false;
  }
  const origin = req.headers.origin;
  // Clients outside a browser send no Origin; a page's requests carry one, "null" from a sandboxed frame.
  if (origin !== undefined && !isOwnOrigin(origin, local)) {
    sendJson(res, 403, jsonRpcError(-32000, `Forbidden: Origin "${origin}" may not call this local server`));
    return false;
  }
  return true;
}

/** Compares a presented bearer token with the configured one in time independent of where they differ. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(presented ?? "");
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  const ok = timingSafeEqual(digest(match?.[1] ?? ""), digest(expected));
  return ok && match !== null;
}

/** With a token configured, a request without it gets 401 and the scheme to use. */
export function checkBearer(req: IncomingMessage, res: ServerResponse, token: string | undefined): boolean {
  if (token === undefined || tokenMatches(req.headers.authorization, token)) return true;
  sendJson(
    res,
    401,
    jsonRpcError(-32001, "Unauthorized: send Authorization: Bearer <MEDIAGATE_HTTP_TOKEN>"),
    {
      "www-authenticate": 'Bearer realm="mediagate"',
    },
  );
  return false;
}

export type BodyResult = { kind: "ok"; text: string } | { kind: "too_large" } | { kind: "aborted" };

/** How long a refused body's connection may stay open after its 413, for the client to read it. */
const refusedLingerMs = 5_000;

/**
 * Answers a body over the limit with 413, then closes the connection gracefully. The rest of the body is
 * never read: the client's writes wait on TCP while it reads the answer, then it sees this side close.
 * The connection is not reset at once (destroying a socket with unread data sends a reset, and the client,
 * still writing, would see EPIPE or ECONNRESET instead of the 413), nor kept beyond `refusedLingerMs`.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const socket = req.socket;
  req.pause();
  res.on("finish", () => {
    socket.end();
    setTimeout(() => socket.destroy(), refusedLingerMs).unref();
  });
  // No "Connection: close": Node would then destroy the socket as soon as the answer is written.
  sendJson(
    res,
    413,
    jsonRpcError(-32000, `Payload Too Large: a request body must not exceed ${maxBytes} bytes`),
  );
}

/** Reads a request body up to `maxBytes`: a larger one (declared or sent) is refused without keeping it. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve({ kind: "too_large" });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      req.off("data", onData);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) {
        chunks.length = 0;
        req.pause();
        settle({ kind: "too_large" });
        return;
      }
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.on("end", () => settle({ kind: "ok", text: Buffer.concat(chunks).toString("utf8") }));
    req.on("error", () => settle({ kind: "aborted" }));
    req.on("aborted", () => settle({ kind: "aborted" }));
  });
}
