import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";
import { delay } from "../delay.js";
import { log } from "../log.js";
import { ExchangeTransport } from "./exchange-transport.js";

/**
 * One POST to /mcp: its own MCP server and transport, who sent it, and the JSON-RPC requests it carries
 * that have not been answered yet. Kept so that a `notifications/cancelled` arriving in a later POST, and
 * shutdown, can reach a running call.
 */
export interface Exchange {
  server: McpServer;
  transport: ExchangeTransport;
  /** `callerKey` of whoever sent the POST: only the same caller's cancellations reach its calls. */
  caller: string;
  /** Unanswered requests: cancellation key → id and method. */
  pending: Map<string, { id: RequestId; method: string }>;
  finished: boolean;
}

export function isRequestId(value: unknown): value is RequestId {
  return typeof value === "string" || typeof value === "number";
}

function cancellationKey(caller: string, id: RequestId): string {
  return `${caller}\u0000${typeof id}\u0000${String(id)}`;
}

/**
 * The exchanges in flight: how a cancellation finds its call across POSTs, and how shutdown drains them
 * (waits for them, then answers and closes what is left). Only what the SDK accepted counts: a request
 * is in flight, and a cancellation acted on, once its POST passed every check the SDK makes.
 */
export class Exchanges {
  private readonly open = new Set<Exchange>();
  private readonly byKey = new Map<string, Set<Exchange>>();
  private drained: (() => void) | undefined;

  get size(): number {
    return this.open.size;
  }

  /** A new exchange for one POST from `caller`; `finish` ends it. */
  start(server: McpServer, caller: string): Exchange {
    const exchange: Exchange = {
      server,
      caller,
      pending: new Map(),
      finished: false,
      transport: new ExchangeTransport({
        accepted: (message) => this.accepted(exchange, message),
        answered: (id) => {
          const key = cancellationKey(caller, id);
          exchange.pending.delete(key);
          this.forget(key, exchange);
        },
      }),
    };
    this.open.add(exchange);
    return exchange;
  }

  private accepted(exchange: Exchange, message: JSONRPCMessage): void {
    if (exchange.finished || !("method" in message)) return;
    if ("id" in message) {
      const key = cancellationKey(exchange.caller, message.id);
      exchange.pending.set(key, { id: message.id, method: message.method });
      let set = this.byKey.get(key);
      if (!set) {
        set = new Set();
        this.byKey.set(key, set);
      }
      set.add(exchange);
      return;
    }
    if (message.method !== "notifications/cancelled") return;
    const params = message.params as { requestId?: unknown; reason?: unknown } | undefined;
    if (isRequestId(params?.requestId)) this.cancel(exchange.caller, params.requestId, params.reason);
  }

  finish(exchange: Exchange): void {
    if (exchange.finished) return;
    exchange.finished = true;
    for (const key of exchange.pending.keys()) this.forget(key, exchange);
    exchange.pending.clear();
    this.open.delete(exchange);
    // Closing the server aborts any handler still running: its signal stops its provider requests.
    void exchange.transport.close().catch(() => undefined);
    void exchange.server.close().catch(() => undefined);
    if (this.open.size === 0) this.drained?.();
  }

  private forget(key: string, exchange: Exchange): void {
    const set = this.byKey.get(key);
    set?.delete(exchange);
    if (set?.size === 0) this.byKey.delete(key);
  }

  /**
   * A stateless server has no session to find a cancelled request by, so it looks for the one in-flight
   * request from the same caller with that id. When two clients of one caller (say, two anonymous ones)
   * both have it in flight, the cancellation is ambiguous and ignored: the call then ends on its own.
   */
  private cancel(caller: string, id: RequestId, reason: unknown): void {
    const key = cancellationKey(caller, id);
    if (this.byKey.get(key)?.size !== 1) return;
    const [exchange] = [...(this.byKey.get(key) ?? [])];
    if (!exchange) return;
    log("debug", "cancelling a call at the client's request", { id });
    const notification: JSONRPCMessage = {
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: id, ...(typeof reason === "string" ? { reason } : {}) },
    };
    exchange.transport.deliver(notification);
    exchange.pending.delete(key);
    this.forget(key, exchange);
    // The cancelled request gets no answer (the spec's rule); with nothing else pending, end its stream.
    if (exchange.pending.size === 0) this.finish(exchange);
  }

  /** Answers every unanswered request of an exchange, then closes it: used when shutting down. */
  async abandon(exchange: Exchange): Promise<void> {
    const message = "mediagate is shutting down and stopped this call; call again (any instance can answer).";
    for (const { id, method } of exchange.pending.values()) {
      const answer: JSONRPCMessage =
        method === "tools/call"
          ? { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: message }], isError: true } }
          : { jsonrpc: "2.0", id, error: { code: -32000, message } };
      await exchange.transport.send(answer).catch(() => undefined);
    }
    this.finish(exchange);
  }

  /** Answers and closes every exchange now (the second Ctrl-C). */
  abandonAll(): Promise<void> {
    return Promise.all([...this.open].map((exchange) => this.abandon(exchange))).then(() => undefined);
  }

  /** Resolves when no exchange is left, or after `graceMs`, whichever is first. */
  async drain(graceMs: number): Promise<void> {
    if (this.open.size === 0) return;
    const idle = new Promise<void>((resolve) => {
      this.drained = resolve;
    });
    const grace = new AbortController();
    await Promise.race([idle, delay(graceMs, grace.signal).catch(() => undefined)]);
    grace.abort();
  }
}
