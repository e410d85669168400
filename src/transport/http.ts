import { createHash, timingSafeEqual } from "node:crypto";
import { createServer as createNodeServer, type IncomingMessage, type ServerResponse } from "node:http";
import { type AddressInfo, isIP } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { MediagateError } from "../errors.js";
import { log } from "../log.js";
import { hostnameOf, isLoopbackHost, loopbackHostnames } from "./loopback.js";

/** The largest JSON-RPC body accepted on /mcp: tool inputs are small; files travel by path or URL. */
export const defaultMaxBodyBytes = 4 * 1024 * 1024;

/** How long in-flight calls may run after the first SIGINT/SIGTERM before they are cancelled. */
export const defaultShutdownGraceMs = 10_000;

export interface HttpServerOptions {
  /** Interface to bind. Loopback binds get Host/Origin validation against DNS rebinding. */
  host: string;
  /** Port to bind; 0 picks a free one (the bound port is in the returned URL). */
  port: number;
  /** `MEDIAGATE_HTTP_TOKEN`: when set, `/mcp` requires `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Largest request body on /mcp, in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /** A fresh MCP server for one HTTP request (stateless: the runtime behind it is shared). */
  createServer: () => McpServer;
  /** Extra fields for `GET /healthz`. */
  health?: () => Record<string, unknown>;
}

export interface RunningHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3333/mcp`. */
  url: string;
  port: number;
  /**
   * Stops accepting requests, lets in-flight calls finish for up to `graceMs` (default 10 s), then
   * cancels the rest: their tools are aborted through their signals and each call is answered.
   */
  close(graceMs?: number): Promise<void>;
  /** Cancels every in-flight call now (the second Ctrl-C). */
  cancelInFlight(): void;
}

/** `--port`: an integer from 0 (any free port) to 65535. */
export function parsePort(text: string): number {
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new MediagateError(
      "invalid_input",
      `--port: "${text}" is not a port number from 0 to 65535 (0 picks a free one)`,
    );
  }
  return port;
}

/** `--host`: an interface address or name, without scheme or port. */
export function parseHost(text: string): string {
  const host = text.trim().replace(/^\[(.*)\]$/, "$1");
  if (host === "" || /[/\s]/.test(host) || (host.includes(":") && isIP(host) !== 6)) {
    throw new MediagateError(
      "invalid_input",
      `--host: "${text}" is not a host name or IP address (e.g. 127.0.0.1 or 0.0.0.0)`,
    );
  }
  return host;
}

/** Refuses, before anything starts, to serve other machines without a bearer token. */
export function assertSafeBind(host: string, token: string | undefined): void {
  if (!isLoopbackHost(host) && !token) {
    throw new MediagateError(
      "invalid_input",
      `--host ${host} is reachable from other machines: set MEDIAGATE_HTTP_TOKEN (every client must then send it), or bind to 127.0.0.1`,
    );
  }
}

/**
 * One POST to /mcp: its own MCP server and transport, and the JSON-RPC requests it carries that have
 * not been answered yet. Kept so that a `notifications/cancelled` arriving in a later POST, and
 * shutdown, can reach a running call.
 */
interface Exchange {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  peer: string;
  /** Unanswered requests: cancellation key → id and method. */
  pending: Map<string, { id: RequestId; method: string }>;
  finished: boolean;
}

type RawMessage = { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
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

function jsonRpcError(code: number, message: string, id: RequestId | null = null) {
  return { jsonrpc: "2.0", error: { code, message }, id };
}

/** Compares a presented bearer token with the configured one in time independent of where they differ. */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(presented ?? "");
  const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();
  const ok = timingSafeEqual(digest(match?.[1] ?? ""), digest(expected));
  return ok && match !== null;
}

type BodyResult = { kind: "ok"; text: string } | { kind: "too_large" } | { kind: "aborted" };

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

function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
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

function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || typeof value === "number";
}

function cancellationKey(peer: string, id: RequestId): string {
  return `${peer}\u0000${typeof id}\u0000${String(id)}`;
}

/**
 * Serves MCP over stateless Streamable HTTP: every POST to /mcp gets its own MCP server and transport, so
 * any instance behind a load balancer can answer any request. Answers stream as SSE (progress
 * notifications first, then the result).
 */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const { host, token } = options;
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  assertSafeBind(host, token);
  const loopback = isLoopbackHost(host);
  const allowedHostnames = loopback ? loopbackHostnames(host) : undefined;
  const exchanges = new Set<Exchange>();
  const byKey = new Map<string, Set<Exchange>>();
  let closing = false;
  let drained: (() => void) | undefined;

  function finish(exchange: Exchange) {
    if (exchange.finished) return;
    exchange.finished = true;
    for (const key of exchange.pending.keys()) forget(key, exchange);
    exchange.pending.clear();
    exchanges.delete(exchange);
    // Closing the server aborts any handler still running: its signal stops its provider requests.
    void exchange.transport.close().catch(() => undefined);
    void exchange.server.close().catch(() => undefined);
    if (exchanges.size === 0) drained?.();
  }

  function forget(key: string, exchange: Exchange) {
    const set = byKey.get(key);
    set?.delete(exchange);
    if (set?.size === 0) byKey.delete(key);
  }

  /**
   * A stateless server has no session to find a cancelled request by, so it looks for the one in-flight
   * request from the same peer with that id. When two clients behind one address both have it in
   * flight, the cancellation is ambiguous and ignored: the call then ends on its own.
   */
  function cancelRequest(peer: string, id: RequestId, reason: unknown) {
    const key = cancellationKey(peer, id);
    const candidates = byKey.get(key);
    if (candidates?.size !== 1) return;
    const [exchange] = [...candidates];
    if (!exchange) return;
    log("debug", "cancelling a call at the client's request", { id });
    const notification: JSONRPCMessage = {
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: id, ...(typeof reason === "string" ? { reason } : {}) },
    };
    exchange.transport.onmessage?.(notification);
    exchange.pending.delete(key);
    forget(key, exchange);
    // The cancelled request gets no answer (the spec's rule); with nothing else pending, end its stream.
    if (exchange.pending.size === 0) finish(exchange);
  }

  /** Answers every unanswered request of an exchange, then closes it: used when shutting down. */
  async function abandon(exchange: Exchange) {
    const message = "mediagate is shutting down and stopped this call; call again (any instance can answer).";
    for (const { id, method } of exchange.pending.values()) {
      const answer: JSONRPCMessage =
        method === "tools/call"
          ? { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: message }], isError: true } }
          : { jsonrpc: "2.0", id, error: { code: -32000, message } };
      await exchange.transport.send(answer).catch(() => undefined);
    }
    finish(exchange);
  }

  function checkHost(req: IncomingMessage, res: ServerResponse): boolean {
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

  async function handleMcpPost(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req, maxBodyBytes);
    if (body.kind === "aborted") {
      res.destroy();
      return;
    }
    if (body.kind === "too_large") {
      sendJson(
        res,
        413,
        jsonRpcError(-32000, `Payload Too Large: a request body must not exceed ${maxBodyBytes} bytes`),
      );
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      sendJson(res, 400, jsonRpcError(-32700, "Parse error: the body is not valid JSON"));
      return;
    }
    const peer = req.socket.remoteAddress ?? "";
    const messages = (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (message): message is RawMessage => typeof message === "object" && message !== null,
    );
    for (const message of messages) {
      if (message.method !== "notifications/cancelled") continue;
      const params = message.params as { requestId?: unknown; reason?: unknown } | undefined;
      if (isRequestId(params?.requestId)) cancelRequest(peer, params.requestId, params.reason);
    }

    const server = options.createServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    const exchange: Exchange = { server, transport, peer, pending: new Map(), finished: false };
    for (const message of messages) {
      if (typeof message.method !== "string" || !isRequestId(message.id)) continue;
      const key = cancellationKey(peer, message.id);
      exchange.pending.set(key, { id: message.id, method: message.method });
      let set = byKey.get(key);
      if (!set) {
        set = new Set();
        byKey.set(key, set);
      }
      set.add(exchange);
    }
    const send = transport.send.bind(transport);
    transport.send = async (message, sendOptions) => {
      const answered = message as RawMessage;
      if (isRequestId(answered.id) && answered.method === undefined) {
        const key = cancellationKey(peer, answered.id);
        exchange.pending.delete(key);
        forget(key, exchange);
      }
      return send(message, sendOptions);
    };
    exchanges.add(exchange);
    res.on("close", () => finish(exchange));
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed);
    } catch (error) {
      log("error", "an MCP request failed", {
        error: error instanceof Error ? error.message : String(error),
      });
      sendJson(res, 500, jsonRpcError(-32603, "Internal server error"));
      finish(exchange);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0];
    if (!checkHost(req, res)) return;
    if (closing) {
      sendJson(res, 503, jsonRpcError(-32000, "mediagate is shutting down"), { connection: "close" });
      return;
    }
    if (path === "/healthz") {
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendJson(res, 405, { error: "method not allowed" }, { allow: "GET, HEAD" });
        return;
      }
      sendJson(res, 200, { status: "ok", ...options.health?.() });
      return;
    }
    if (path !== "/mcp") {
      sendJson(res, 404, { error: `not found: the MCP endpoint is /mcp` });
      return;
    }
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
      sendJson(
        res,
        401,
        jsonRpcError(-32001, "Unauthorized: send Authorization: Bearer <MEDIAGATE_HTTP_TOKEN>"),
        {
          "www-authenticate": 'Bearer realm="mediagate"',
        },
      );
      return;
    }
    if (req.method !== "POST") {
      // Stateless: no standalone SSE stream to GET and no session to DELETE.
      sendJson(res, 405, jsonRpcError(-32000, "Method not allowed: this stateless server takes POST only"), {
        allow: "POST",
      });
      return;
    }
    await handleMcpPost(req, res);
  }

  const httpServer = createNodeServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log("error", "an HTTP request failed", {
        error: error instanceof Error ? error.message : String(error),
      });
      if (!res.headersSent) sendJson(res, 500, jsonRpcError(-32603, "Internal server error"));
      else res.destroy();
    });
  });
  httpServer.on("clientError", (_error, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(options.port, host, () => {
      httpServer.off("error", reject);
      resolve();
    });
  });
  const address = httpServer.address() as AddressInfo;
  const urlHost = address.family === "IPv6" || host.includes(":") ? `[${address.address}]` : host;

  const cancelInFlight = () => {
    for (const exchange of [...exchanges]) void abandon(exchange);
  };

  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}/mcp`,
    port: address.port,
    cancelInFlight,
    close(graceMs = defaultShutdownGraceMs) {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        httpServer.closeIdleConnections();
        if (exchanges.size > 0) {
          const idle = new Promise<void>((resolve) => {
            drained = resolve;
          });
          let timer: NodeJS.Timeout | undefined;
          const grace = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, graceMs);
          });
          await Promise.race([idle, grace]);
          clearTimeout(timer);
          await Promise.all([...exchanges].map(abandon));
        }
        httpServer.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
