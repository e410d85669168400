// The MCP Apps view that plays a tool's media where the conversation is. Hosts without MCP Apps ignore
// `_meta.ui`, so results stay exactly what they were; hosts with it load the page below in a sandboxed
// iframe whose Content-Security-Policy they build from the resource's `_meta.ui.csp`.
import { readFileSync } from "node:fs";
import type { RESOURCE_MIME_TYPE as MimeType } from "@modelcontextprotocol/ext-apps/server";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { MediagateError } from "../errors.js";

export const PLAYER_URI = "ui://mediagate/player";
/** Typed by ext-apps' own constant, so a change of the MCP Apps MIME type fails the type check. */
const RESOURCE_MIME_TYPE: typeof MimeType = "text/html;profile=mcp-app";

/**
 * Tools whose results carry media, or a job that ends in media. `job_status` keeps the default visibility
 * (model and app): the view polls it for a running job's progress, so the model needs no second copy.
 */
export const playerTools: ReadonlySet<string> = new Set([
  "videodb_list_videos",
  "videodb_list_audios",
  "videodb_generate_stream",
  "videodb_generate_audio_url",
  "videodb_generate_video",
  "aioz_list_audio",
  "aioz_get_audio",
  "aioz_upload_audio",
  "aioz_complete_audio_upload",
  "aistudios_export_audio",
  "job_status",
  "job_wait",
]);

/** The spec's `_meta` for a tool that shows the player; nothing for the others. */
export function playerToolMeta(toolName: string): { _meta: { ui: { resourceUri: string } } } | undefined {
  return playerTools.has(toolName) ? { _meta: { ui: { resourceUri: PLAYER_URI } } } : undefined;
}

/**
 * Where the providers' media is served from, beyond their API origins (which serve AIOZ's playlists and
 * every sandbox URL): VideoDB streams and audio files (videodb-python, videodb/_constants.py and the
 * documents' examples).
 */
const providerMediaOrigins = ["https://stream.videodb.io", "https://cdn.videodb.io"];

const originPattern = /^https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?$/i;

/**
 * `MEDIAGATE_MEDIA_ORIGINS`: origins (space or comma separated) the player may load media from, for a
 * deployment whose media comes from a CDN of its own; `https://*.example.com` covers subdomains.
 */
export function parseMediaOrigins(text: string | undefined): string[] {
  const origins = (text ?? "").split(/[\s,]+/).filter(Boolean);
  for (const origin of origins) {
    if (!originPattern.test(origin.replace(/\/$/, ""))) {
      throw new MediagateError(
        "invalid_input",
        `MEDIAGATE_MEDIA_ORIGINS: "${origin}" is not an origin such as https://media.example.com or https://*.example.com`,
      );
    }
  }
  return origins.map((origin) => origin.replace(/\/$/, ""));
}

/**
 * The origins the view may load media from: the configured providers' API origins, their media hosts
 * (not in sandbox mode, where the emulators serve every URL), and any extra.
 */
export function mediaOrigins(
  baseUrls: readonly string[],
  extra: readonly string[],
  sandbox = false,
): string[] {
  const origins = new Set<string>();
  for (const baseUrl of baseUrls) origins.add(new URL(baseUrl).origin);
  if (!sandbox) for (const origin of providerMediaOrigins) origins.add(origin);
  for (const origin of extra) origins.add(origin);
  return [...origins];
}

let html: string | undefined;
/** The page `npm run build` writes next to the server bundle (dist/ in the package, server/ in the MCP Bundle). */
function playerHtml(): string {
  if (html !== undefined) return html;
  const candidates = [
    new URL("./player.html", import.meta.url),
    new URL("../../dist/player.html", import.meta.url),
  ];
  for (const candidate of candidates) {
    try {
      html = readFileSync(candidate, "utf8");
      return html;
    } catch {}
  }
  throw new Error("player.html is missing beside the server: run npm run build");
}

/**
 * Registers `ui://mediagate/player`, with the media origins a host must allow in its frame. Through the
 * SDK's registerResource rather than ext-apps' registerAppResource, which only adds the MIME type: importing
 * ext-apps' server module builds its whole app protocol schema at start-up, about 15 ms of a 180 ms cold
 * start (initialize + tools/list over stdio, medians of 15 alternating runs, ext-apps 1.7.5).
 */
export function registerPlayer(server: McpServer, origins: readonly string[]): void {
  const ui = {
    csp: { connectDomains: [...origins], resourceDomains: [...origins] },
    prefersBorder: true,
  };
  server.registerResource(
    "mediagate player",
    PLAYER_URI,
    {
      description: "Plays the video or audio of a mediagate result, lists media, and follows a running job.",
      mimeType: RESOURCE_MIME_TYPE,
      _meta: { ui },
    },
    async () => ({
      contents: [{ uri: PLAYER_URI, mimeType: RESOURCE_MIME_TYPE, text: playerHtml(), _meta: { ui } }],
    }),
  );
}
