// What the server and the view agree on: imported by both, so it imports nothing.

export const PLAYER_URI = "ui://mediagate/player";

/** The kinds of media a result can hold: what the view plays it as. */
export type MediaKind = "video" | "audio" | "image";

/**
 * The tool `_meta` key naming the media its results hold. Beside ext-apps' own `ui` key rather than inside
 * it: `_meta.ui` is the MCP Apps extension's, and a host may check it against its schema.
 */
export const MEDIA_META_KEY = "mediagate/media";
