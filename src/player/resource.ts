// The MCP Apps view that plays a tool's media where the conversation is. Hosts without MCP Apps ignore
// `_meta.ui`, so results stay exactly what they were; hosts with it load the page below in a sandboxed
// iframe whose Content-Security-Policy they build from the resource's `_meta.ui.csp`.
import { readFileSync } from "node:fs";
import type { RESOURCE_MIME_TYPE as MimeType } from "@modelcontextprotocol/ext-apps/server";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { MediaCsp } from "./media-origins.js";
import { MEDIA_META_KEY, type MediaKind, PLAYER_URI } from "./meta.js";

export { PLAYER_URI };

/** Typed by ext-apps' own constant, so a change of the MCP Apps MIME type fails the type check. */
const RESOURCE_MIME_TYPE: typeof MimeType = "text/html;profile=mcp-app";

/** What a declaration says about its view: see `OperationBase.ui` and `.media` (src/tools/operation.ts). */
export interface ViewDeclaration {
  ui?: "player";
  media?: MediaKind;
}

/** The view each `ui` value names. */
const viewUris: Readonly<Record<NonNullable<ViewDeclaration["ui"]>, string>> = { player: PLAYER_URI };

export type ToolMeta = { ui: { resourceUri: string }; [MEDIA_META_KEY]?: MediaKind };

/**
 * A tool's `_meta`, from its declaration: the view's resource (MCP Apps), and the media its results hold,
 * which the view reads from the tool the host says it was opened for. Nothing for a tool without a view.
 */
export function toolMeta(declaration: ViewDeclaration): { _meta: ToolMeta } | undefined {
  if (!declaration.ui) return undefined;
  const _meta: ToolMeta = { ui: { resourceUri: viewUris[declaration.ui] } };
  if (declaration.media) _meta[MEDIA_META_KEY] = declaration.media;
  return { _meta };
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
 * Registers `ui://mediagate/player`, with the media origins a host must allow in its frame (media-origins.ts). Through the
 * SDK's registerResource rather than ext-apps' registerAppResource, which only adds the MIME type: importing
 * ext-apps' server module builds its whole app protocol schema at start-up, a visible share of a cold start
 * (bench/README.md).
 */
export function registerPlayer(server: McpServer, csp: MediaCsp): void {
  const ui = { csp, prefersBorder: true };
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
