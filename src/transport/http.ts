import { createServer as createNodeServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { log } from "../log.js";
import { callerKey, callerOf } from "./caller.js";
import { Exchanges } from "./exchanges.js";
import {
  assertSafeBind,
  checkBearer,
  checkHost,
  defaultMaxBodyBytes,
  jsonRpcError,
  type LoopbackIdentity,
  readBody,
  refuseTooLarge,
  sendJson,
} from "./guards.js";
import { isLoopbackHost, loopbackHostnames } from "./loopback.js";

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
  // Known once bound (port 0 picks one); no request is served before.
  let local: LoopbackIdentity | undefined;
  const exchanges = new Exchanges();
  let closing = false;

  async function handleMcpPost(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req, maxBodyBytes);
    if (body.kind === "aborted") {
      res.destroy();
      return;
    }
    if (body.kind === "too_large") {
      refuseTooLarge(req, res, maxBodyBytes);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.text);
    } catch {
      sendJson(res, 400, jsonRpcError(-32700, "Parse error: the body is not valid JSON"));
      return;
    }
    // Cancellations and the calls they name are matched within one caller, once the SDK accepts them.
    const exchange = exchanges.start(options.createServer(), callerKey(callerOf(req)));
    const { server, transport } = exchange;
    res.on("close", () => exchanges.finish(exchange));
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, parsed);
    } catch (error) {
      log("error", "an MCP request failed", {
        error: error instanceof Error ? error.message : String(error),
      });
      sendJson(res, 500, jsonRpcError(-32603, "Internal server error"));
      exchanges.finish(exchange);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0];
    if (!checkHost(req, res, local)) return;
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
    if (!checkBearer(req, res, token)) return;
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
  if (loopback) local = { hostnames: loopbackHostnames(host), port: address.port };
  const urlHost = address.family === "IPv6" || host.includes(":") ? `[${address.address}]` : host;

  const cancelInFlight = () => {
    void exchanges.abandonAll();
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
        await exchanges.drain(graceMs);
        await exchanges.abandonAll();
        httpServer.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
