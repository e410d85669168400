// Which origins the player's frame may reach, and how: what its resource declares in `_meta.ui.csp`.
//
// ext-apps has two lists that matter here, and no media-only one: `connectDomains` becomes `connect-src`
// (fetch: hls.js reading playlists and segments, a file fetched into a blob), while `resourceDomains`
// becomes `img-src`, `media-src` *and* `script-src`, `style-src`, `font-src` (ext-apps `McpUiResourceCsp`,
// 1.7.5). An origin in `resourceDomains` can therefore serve the view a script; only origins whose job is
// to serve the media elements load directly go there.
import { MediagateError } from "../errors.js";

/** The view's CSP lists, as ext-apps names them. */
export interface MediaCsp {
  connectDomains: string[];
  resourceDomains: string[];
}

/**
 * Where the providers serve media, from their documents and official clients:
 * - VideoDB streams (HLS playlists, segments, the mp4 variant) come from `stream.videodb.io`; a browser with
 *   HLS of its own loads them as media, so it is a resource origin.
 * - VideoDB audio files and images (`generate_url`, uploads) come from `cdn.videodb.io`, which holds what
 *   users upload: fetch only, never a script source. The view fetches such a file into a blob where the
 *   element may not load it.
 * - AIOZ serves playlists, `source`, `mp4` and thumbnails from its API origin itself
 *   (`/api/media/{id}/m3u8`, `/source` in its documents), so that origin is a resource origin.
 * - AI Studios' `download_url` is a "download path" the documents place nowhere in particular: its API
 *   origin is reachable by fetch only; a deployment whose files come from elsewhere names that origin in
 *   MEDIAGATE_MEDIA_ORIGINS.
 * VideoDB's API origin serves no media and is not declared.
 */
const providerMedia: Readonly<Record<string, { resource: readonly string[]; connect: readonly string[] }>> = {
  videodb: { resource: ["https://stream.videodb.io"], connect: ["https://cdn.videodb.io"] },
  aioz: { resource: ["api"], connect: [] },
  aistudios: { resource: [], connect: ["api"] },
};

/** A configured provider, as the view's CSP needs it. */
export interface MediaProvider {
  id: string;
  baseUrl: string;
  /** The provider's public service's base URL (its documented default). */
  defaultBaseUrl: string;
}

/**
 * The CSP of the view for the configured providers. A provider at its public service serves media from
 * the hosts above. One at another base URL (the sandbox's emulators, a test server, a gateway) hands out
 * URLs of its own origin, which the operator chose: that origin is a media origin, beside the public media
 * hosts a gateway passes through; in sandbox mode every URL is an emulator's, so nothing else is declared.
 * `extra` (MEDIAGATE_MEDIA_ORIGINS) is what the deployment says serves its media.
 */
export function mediaCsp(
  providers: readonly MediaProvider[],
  extra: readonly string[],
  sandbox = false,
): MediaCsp {
  const resource = new Set<string>();
  const connect = new Set<string>();
  const both = (origin: string) => {
    resource.add(origin);
    // hls.js reads the same playlists with fetch where the browser has no HLS of its own.
    connect.add(origin);
  };
  for (const { id, baseUrl, defaultBaseUrl } of providers) {
    const api = new URL(baseUrl).origin;
    const atPublicService = api === new URL(defaultBaseUrl).origin;
    if (!atPublicService) both(api);
    if (sandbox) continue;
    const media = providerMedia[id];
    for (const origin of media?.resource ?? []) both(origin === "api" ? api : origin);
    for (const origin of media?.connect ?? []) {
      if (origin !== "api" || atPublicService) connect.add(origin === "api" ? api : origin);
    }
  }
  for (const origin of extra) both(origin);
  return { connectDomains: [...connect], resourceDomains: [...resource] };
}

const originPattern = /^(https?):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(:\d{1,5})?\/?$/i;

const isLoopback = (host: string) =>
  host === "localhost" || host.endsWith(".localhost") || /^127(\.\d{1,3}){3}$/.test(host) || host === "[::1]";

/**
 * `MEDIAGATE_MEDIA_ORIGINS`: origins (space or comma separated) that serve the deployment's media, e.g.
 * its CDN; `https://*.media.example.com` covers subdomains. They become resource origins of the view (see
 * above), so each is checked: https only (http for a loopback host, a local test server), and a wildcard
 * only below a registrable domain: `https://*.com`, `https://*.co.uk` or `https://*.cloudfront.net` would let
 * any site's owner serve the view a script. Registrable means per the Public Suffix List, private section
 * included, read through tldts (loaded only when a wildcard is given).
 */
export async function parseMediaOrigins(text: string | undefined): Promise<string[]> {
  const origins: string[] = [];
  for (const given of (text ?? "").split(/[\s,]+/).filter(Boolean)) {
    const refuse = (why: string): never => {
      throw new MediagateError("invalid_input", `MEDIAGATE_MEDIA_ORIGINS: "${given}" ${why}`);
    };
    const match = originPattern.exec(given);
    if (!match) {
      return refuse("is not an origin such as https://media.example.com or https://*.media.example.com");
    }
    const scheme = (match[1] as string).toLowerCase();
    const wildcard = match[2] ?? "";
    const port = match[4] ?? "";
    const host = (match[3] as string).toLowerCase();
    if (scheme === "http" && (wildcard || !isLoopback(host))) {
      return refuse("is http: media origins must be https (http only for a loopback host such as 127.0.0.1)");
    }
    if (wildcard) {
      // The package is CommonJS: its exports are the default export both under Node and in the build.
      const { getDomain } = (await import("tldts")).default;
      // A registrable domain is one label below a public suffix; none means the host is itself a suffix.
      if (!getDomain(host, { allowPrivateDomains: true })) {
        return refuse(
          "covers a public suffix (anyone can own a site below it): a wildcard must stand below a registrable domain, such as https://*.example.com",
        );
      }
    }
    origins.push(`${scheme}://${wildcard}${host}${port}`);
  }
  return origins;
}
