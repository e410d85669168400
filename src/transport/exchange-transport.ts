import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

type MessageHandler = Transport["onmessage"];

/** What the HTTP layer learns from one POST's transport. */
export interface ExchangeEvents {
  /**
   * A message the SDK accepted: after its Accept, Content-Type, protocol version and JSON-RPC checks,
   * just before the server reads it. Nothing a refused POST carries ever gets here.
   */
  accepted(message: JSONRPCMessage): void;
  /** The answer to request `id` is being sent. */
  answered(id: RequestId): void;
}

/**
 * The SDK's stateless Streamable HTTP transport for one POST, which also says which messages it accepts
 * and when it answers a request, and takes a message that arrived in another POST.
 *
 * A stateless server has no session, so a `notifications/cancelled` for a call in flight arrives in a
 * later POST, on another transport; @modelcontextprotocol/sdk 1.32.2 has no way to route it to the server
 * running the call. This transport reports what it accepts (`accepted`) and every answer it sends
 * (`answered`), so the HTTP layer knows which calls are in flight and acts on a cancellation only once the
 * SDK has accepted the POST carrying it; and it hands its own server a message from another POST as if it
 * had read it itself (`deliver`). All through the transport's public surface: the `onmessage` a transport
 * calls with what it receives, and its `send`.
 */
export class ExchangeTransport extends StreamableHTTPServerTransport {
  private readonly events: ExchangeEvents;
  private toServer: MessageHandler;

  constructor(events: ExchangeEvents) {
    super({ sessionIdGenerator: undefined });
    this.events = events;
  }

  override set onmessage(handler: MessageHandler) {
    this.toServer = handler;
    super.onmessage =
      handler &&
      ((message, extra) => {
        this.events.accepted(message);
        handler(message, extra);
      });
  }

  override get onmessage(): MessageHandler {
    return this.toServer;
  }

  override async send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    const answer = message as { id?: unknown; method?: unknown };
    if ((typeof answer.id === "string" || typeof answer.id === "number") && answer.method === undefined) {
      this.events.answered(answer.id);
    }
    return super.send(message, options);
  }

  /** Hands the server a message that reached this process in another HTTP request. */
  deliver(message: JSONRPCMessage): void {
    this.toServer?.(message);
  }
}
