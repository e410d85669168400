import { Agent, request } from "undici";
import type { Sandbox } from "../src/sandbox/index.js";

/**
 * The request aioz_get_audio makes, sent straight from this process with undici over a kept-alive
 * connection pool: what a call would cost without MCP and without mediagate.
 */
export function directGetAudio(sandbox: Sandbox, audioId: string) {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  const url = `${sandbox.aioz.url}/media/${encodeURIComponent(audioId)}`;
  const headers = { accept: "application/json", authorization: `Bearer ${sandbox.credentials.aiozToken}` };
  return {
    async call(): Promise<void> {
      const response = await request(url, { method: "GET", headers, dispatcher });
      const body = (await response.body.json()) as { status?: string };
      if (response.statusCode !== 200 || body.status !== "success") {
        throw new Error(`direct GET /media answered ${response.statusCode}`);
      }
    },
    close: () => dispatcher.close(),
  };
}
