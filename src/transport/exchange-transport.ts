import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/sdk/types.js";

/**
 * The SDK's stateless Streamable HTTP transport for one POST, which also says when it answers a request
 * and takes a message that arrived in another POST.
 *
 * A stateless server has no session, so a `notifications/cancelled` for a call in flight arrives in a
 * later POST, on another transport; @modelcontextprotocol/sdk 1.32.2 has no way to route it to the server
 * running the call. This transport hands it to its own server as if it had read it itself (`deliver`),
 * and reports every answer it sends (`onAnswer`), so the HTTP layer knows which calls are still in
 * flight. Both through the transport's public surface: a subclass's `send`, and the `onmessage` a
 * transport calls with what it receives.
 */
export class ExchangeTransport extends StreamableHTTPServerTransport {
  private readonly onAnswer: (id: RequestId) => void;

  constructor(onAnswer: (id: RequestId) => void) {
    super({ sessionIdGenerator: undefined });
    this.onAnswer = onAnswer;
  }

  override async send(message: JSONRPCMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    const answer = message as { id?: unknown; method?: unknown };
    if ((typeof answer.id === "string" || typeof answer.id === "number") && answer.method === undefined) {
      this.onAnswer(answer.id);
    }
    return super.send(message, options);
  }

  /** Hands the server a message that reached this process in another HTTP request. */
  deliver(message: JSONRPCMessage): void {
    this.onmessage?.(message);
  }
}
