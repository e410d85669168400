import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Agent, request } from "undici";
import { z } from "zod";

/**
 * The least an MCP server can do for aioz_get_audio: the SDK's McpServer over stdio, one tool that sends the
 * same GET with undici and returns the body as text, with no output schema, no validation of its own, no
 * retries and no timeouts. The call-overhead benchmark runs it beside mediagate as the floor of the
 * protocol and the transport on this machine.
 *
 * With MCP_FLOOR_RESULT=contract it returns what mediagate's contract asks of every tool instead: the
 * answer parsed, the audio taken out of its envelope, and returned as structuredContent with the same JSON
 * as text after a summary line. Still no output schema is listed (so the client checks nothing against
 * one, which mediagate's client does) and nothing else is done: what is left between mediagate and this
 * server is mediagate's own machinery.
 */
const base = process.env.AIOZ_STREAM_BASE_URL ?? "";
const headers = {
  accept: "application/json",
  authorization: `Bearer ${process.env.AIOZ_STREAM_TOKEN ?? ""}`,
};
const contractResult = process.env.MCP_FLOOR_RESULT === "contract";
const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
const server = new McpServer({ name: "mcp-floor", version: "1.0.0" });

function asContract(text: string): CallToolResult {
  const answer = JSON.parse(text) as {
    data?: { id?: string; status?: string; assets?: Record<string, unknown> };
  };
  const { assets, ...media } = answer.data ?? {};
  // The media object and its links, as mediagate returns them: without the embed snippets, nulls and "".
  const { hls_iframe: _hls, dash_iframe: _dash, ...links } = assets ?? {};
  const fields = Object.entries({ ...media, ...links }).filter(([, value]) => value !== null && value !== "");
  const structured = { audio: Object.fromEntries(fields) };
  const json = JSON.stringify(structured);
  return {
    content: [{ type: "text", text: `Audio ${media.id} (${media.status})\n${json}` }],
    structuredContent: structured,
  };
}

server.registerTool(
  "aioz_get_audio",
  { description: "Get an AIOZ audio object", inputSchema: { audio_id: z.string() } },
  async ({ audio_id }) => {
    const response = await request(`${base}/media/${encodeURIComponent(audio_id)}`, { headers, dispatcher });
    const text = await response.body.text();
    return contractResult ? asContract(text) : { content: [{ type: "text", text }] };
  },
);
await server.connect(new StdioServerTransport());
