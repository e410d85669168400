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

/**
 * On a loopback bind (`allowedHostnames` set), a request must name this server in Host, and a page's
 * request its Origin too: what keeps a web page from reaching it through DNS rebinding.
 */
export function checkHost(
  req: IncomingMessage,
  res: ServerResponse,
  allowedHostnames: readonly string[] | undefined,
): boolean {
  if (!allowedHostnames) return true;
  const hostHeader = req.headers.host;
  const hostname = hostHeader === undefined ? undefined : hostnameOf(hostHeader, false);
  if (!hostname || !allowedHostnames.includes(hostname)) {
    sendJson(
      res,
      403,
      jsonRpcError(-32000, `Forbidden: Host "${hostHeader ?? ""}" is not this local server`),
    );
    return false;
  }
  const origin = req.headers.origin;
  // Clients outside a browser send no Origin; a page's requests carry one, "null" from a sandboxed frame.
  if (origin !== undefined) {
    const originHost = hostnameOf(origin, true);
    if (!originHost || !allowedHostnames.includes(originHost)) {
      sendJson(
        res,
        403,
        jsonRpcError(-32000, `Forbidden: Origin "${origin}" may not call this local server`),
      );
      return false;
    }
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

/**
 * Reads what is left of a refused body and throws it away, so the client, still sending, can read the
 * 413; a client that keeps sending far beyond the limit is cut off instead.
 */
function discardRest(req: IncomingMessage, maxBytes: number) {
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > 16 * maxBytes) req.socket.destroy();
  });
  req.resume();
}

/** Reads a request body up to `maxBytes`: a larger one (declared or sent) is refused without keeping it. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discardRest(req, maxBytes);
    return Promise.resolve({ kind: "too_large" });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const settle = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on("data", (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxBytes) {
        chunks.length = 0;
        settle({ kind: "too_large" });
        discardRest(req, maxBytes);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => settle({ kind: "ok", text: Buffer.concat(chunks).toString("utf8") }));
    req.on("error", () => settle({ kind: "aborted" }));
    req.on("aborted", () => settle({ kind: "aborted" }));
  });
}
