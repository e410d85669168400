import { createServer as createNodeServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
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
  tokenMatches,
} from "./guards.js";
import { isLoopbackHost, loopbackHostnames } from "./loopback.js";
import type { TokenHolder } from "./oauth/access-token.js";
import type { Access, ResourceServer } from "./oauth/resource-server.js";
import type { OAuthSettings } from "./oauth/settings.js";

/** A JSON-RPC message as it arrived, before the SDK has checked it. */
type RawMessage = { method?: unknown; params?: unknown };

/** How long in-flight calls may run after the first SIGINT/SIGTERM before they are cancelled. */
export const defaultShutdownGraceMs = 10_000;

export interface HttpServerOptions {
  /** Interface to bind. Loopback binds get Host/Origin validation against DNS rebinding. */
  host: string;
  /** Port to bind; 0 picks a free one (the bound port is in the returned URL). */
  port: number;
  /** `MEDIAGATE_HTTP_TOKEN`: when set, `/mcp` requires `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /**
   * `MEDIAGATE_OAUTH_ISSUER` and the rest: when set, `/mcp` requires an access token from that issuer (or
   * the static token, when set too), and the protected-resource metadata is served.
   */
  oauth?: OAuthSettings | undefined;
  /** Largest request body on /mcp, in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
  /**
   * A fresh MCP server for one HTTP request (stateless: the runtime behind it is shared), with the tools
   * the caller may call: `read`, a token with only the read scope, gets the read-only ones.
   */
  createServer: (access: Access) => McpServer;
  /** Whether a tool changes nothing (its readOnlyHint); undefined for a name that is no tool. */
  toolIsReadOnly?: (name: string) => boolean | undefined;
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
  const { host, token, oauth } = options;
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  assertSafeBind(host, token, oauth);
  // Loaded only with OAuth: jose and the discovery code are nothing a token-only or local server needs.
  const resourceServerModule = oauth ? await import("./oauth/resource-server.js") : undefined;
  let resourceServer: ResourceServer | undefined;
  const loopback = isLoopbackHost(host);
  // Behind a reverse proxy on the same machine, requests name the public host: the deployment's own name,
  // which no rebinding page can take. Known once bound (port 0 picks one); no request is served before.
  let local: LoopbackIdentity | undefined;
  const exchanges = new Exchanges();
  let closing = false;

  /** Sends a refused token's answer, with the challenge that tells the client what to do. */
  function refuse(
    res: ServerResponse,
    verdict: { status: number; headers: Record<string, string>; error: string; description: string },
  ) {
    sendJson(
      res,
      verdict.status,
      { error: verdict.error, error_description: verdict.description },
      verdict.headers,
    );
  }

  async function handleMcpPost(
    req: IncomingMessage,
    res: ServerResponse,
    caller: TokenHolder | undefined,
    access: Access,
  ) {
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
    const label = caller && resourceServerModule ? resourceServerModule.holderLabel(caller) : undefined;
    const messages = (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (message): message is RawMessage => typeof message === "object" && message !== null,
    );
    for (const message of messages) {
      if (message.method !== "tools/call") continue;
      const name = (message.params as { name?: unknown } | undefined)?.name;
      if (typeof name !== "string") continue;
      if (access === "read" && resourceServer && options.toolIsReadOnly?.(name) === false) {
        // Refused before any server exists for the request: nothing reaches a provider.
        const { writeScope } = resourceServer.settings;
        // The tool name is the sender's: in the fields, which are JSON-escaped, never in the message.
        log("info", `refused a call: the token lacks ${writeScope}`, { tool: name, caller: label });
        refuse(res, resourceServer.insufficientScope(writeScope, `${name} needs the ${writeScope} scope`));
        return;
      }
      if (label) log("info", "tools/call", { tool: name, caller: label });
    }
    // What is per caller (a cancellation finds only its own caller's calls, once the SDK accepts it) is
    // keyed by the token's subject or the bearer token, never by the address many share behind a proxy.
    const exchange = exchanges.start(options.createServer(access), callerKey(callerOf(req, caller)));
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
    if (
      resourceServer &&
      (path === "/.well-known/oauth-protected-resource" ||
        path === "/.well-known/oauth-protected-resource/mcp")
    ) {
      // Public, and read by browser-based clients from their own origin.
      const cors = { "access-control-allow-origin": "*", "access-control-allow-methods": "GET, OPTIONS" };
      if (req.method === "OPTIONS") {
        res.writeHead(204, { ...cors, "access-control-allow-headers": "mcp-protocol-version" }).end();
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendJson(res, 405, { error: "method not allowed" }, { allow: "GET, HEAD, OPTIONS" });
        return;
      }
      sendJson(res, 200, resourceServer.metadata(), { ...cors, "cache-control": "max-age=3600" });
      return;
    }
    if (path !== "/mcp") {
      sendJson(res, 404, { error: `not found: the MCP endpoint is /mcp` });
      return;
    }
    let caller: TokenHolder | undefined;
    let access: Access = "write";
    if (oauth) {
      if (!resourceServer) {
        // Never open for lack of a checker: the resource's name waits for the bound address.
        sendJson(res, 503, jsonRpcError(-32000, "mediagate is starting"), { "retry-after": "1" });
        return;
      }
      // The static token still serves machine clients; anyone else brings an access token.
      if (token === undefined || !tokenMatches(req.headers.authorization, token)) {
        const verdict = await resourceServer.authenticate(req.headers.authorization);
        if (!verdict.ok) {
          if (verdict.status === 503) log("error", `cannot check access tokens: ${verdict.description}`);
          else if (verdict.error !== "unauthorized") {
            log("info", `refused a request: ${verdict.description}`, { peer: req.socket.remoteAddress });
          }
          refuse(res, verdict);
          return;
        }
        ({ caller, access } = verdict);
        (req as IncomingMessage & { auth?: AuthInfo }).auth = resourceServer.authInfo(verdict.token, caller);
      }
    } else if (!checkBearer(req, res, token)) return;
    if (req.method !== "POST") {
      // Stateless: no standalone SSE stream to GET and no session to DELETE.
      sendJson(res, 405, jsonRpcError(-32000, "Method not allowed: this stateless server takes POST only"), {
        allow: "POST",
      });
      return;
    }
    await handleMcpPost(req, res, caller, access);
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
  if (loopback) {
    const publicUrl = oauth?.publicUrl ? new URL(oauth.publicUrl) : undefined;
    local = {
      hostnames: [...loopbackHostnames(host), ...(publicUrl ? [publicUrl.hostname] : [])],
      port: address.port,
      ...(publicUrl ? { publicOrigin: publicUrl.origin } : {}),
    };
  }
  const urlHost = address.family === "IPv6" || host.includes(":") ? `[${address.address}]` : host;
  if (oauth && resourceServerModule) {
    resourceServer = new resourceServerModule.ResourceServer(
      oauth,
      oauth.publicUrl ?? `http://${urlHost}:${address.port}`,
    );
    if (!loopback && !resourceServer.resource.startsWith("https:")) {
      log(
        "warn",
        `MEDIAGATE_PUBLIC_URL is not https://: access tokens would cross the network in the clear; put TLS in front`,
      );
    }
    const warming = resourceServer;
    warming.warm().then(
      () => log("info", `OAuth: accepting access tokens from ${oauth.issuer} for ${warming.resource}`),
      (error: unknown) =>
        log(
          "warn",
          `OAuth: ${error instanceof Error ? error.message : String(error)} (tried again on the next request)`,
        ),
    );
  }

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
