import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { Agent, request } from "undici";
import { z } from "zod";

/**
 * The least an MCP server can do for aioz_get_audio: the SDK's McpServer over stdio, one tool that sends the
 * same GET with undici and returns the body as text, with no output schema, no validation of its own, no
 * retries and no timeouts. The call-overhead benchmark runs it beside mediagate as the floor of the
 * protocol and the transport on this machine.
 */
const base = process.env.AIOZ_STREAM_BASE_URL ?? "";
const headers = {
  accept: "application/json",
  authorization: `Bearer ${process.env.AIOZ_STREAM_TOKEN ?? ""}`,
};
const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
const server = new McpServer({ name: "mcp-floor", version: "1.0.0" });
server.registerTool(
  "aioz_get_audio",
  { description: "Get an AIOZ audio object", inputSchema: { audio_id: z.string() } },
  async ({ audio_id }) => {
    const response = await request(`${base}/media/${encodeURIComponent(audio_id)}`, { headers, dispatcher });
    return { content: [{ type: "text", text: await response.body.text() }] };
  },
);
await server.connect(new StdioServerTransport());
