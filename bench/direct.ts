import { Agent, request } from "undici";

/**
 * The request aioz_get_audio makes, sent straight from this process with undici over a kept-alive
 * connection pool: what a call costs without MCP and without mediagate.
 */
export function directGetAudio(target: { aiozUrl: string; aiozToken: string; audioId: string }) {
  const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  const url = `${target.aiozUrl}/media/${encodeURIComponent(target.audioId)}`;
  const headers = { accept: "application/json", authorization: `Bearer ${target.aiozToken}` };
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
