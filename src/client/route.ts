import { MediagateError } from "../errors.js";
import type { HttpMethod, Route } from "../types.js";

export interface ParsedRoute {
  method: HttpMethod;
  template: string;
  variables: string[];
}

/** Routes are a fixed set of constants, so each is parsed once rather than on every call. */
const parsedRoutes = new Map<Route, ParsedRoute>();

export function parseRoute(route: Route): ParsedRoute {
  const known = parsedRoutes.get(route);
  if (known) return known;
  const space = route.indexOf(" ");
  const method = route.slice(0, space) as HttpMethod;
  const template = route.slice(space + 1);
  const variables = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
  const parsed = { method, template, variables };
  parsedRoutes.set(route, parsed);
  return parsed;
}

/**
 * Fills `{name}` segments. Each value is percent-encoded into its own segment, and `.`/`..` are refused,
 * so no input can change the route or add query keys.
 */
export function fillPath(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (typeof value !== "string" || value === "" || value === "." || value === "..") {
      throw new MediagateError("invalid_input", `${name}: must be a non-empty id other than "." or ".."`);
    }
    return encodeURIComponent(value);
  });
}

/** Where a provider's API lives: its origin and the path prefix every request goes below. */
export interface ApiBase {
  /** `https://host:port`, as undici takes it. */
  origin: string;
  /** The base URL's own path without its trailing slash: `/api` for `https://h/api/`, "" for `https://h`. */
  prefix: string;
}

/** The base URL parsed once per provider client, not on every request. */
export function apiBase(baseUrl: string): ApiBase {
  const url = new URL(baseUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, "") };
}

/** A path made only of characters a path may carry unencoded (RFC 3986 pchar and "/"). */
const plainPath = /^(?:\/[\w\-.~%!$&'()*+,;=:@]*)+$/;
/** A `.` or `..` segment, also percent-encoded. */
const dotSegment = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/**
 * The request target below the base: `{prefix}/media/x?key=value`, the base's own path kept (`https://h/api`
 * + `/media/x` → `/api/media/x`). Built as a string, as undici sends it: parsing a URL and setting its parts
 * costs more than the rest of building a request. Query values are form-encoded as URLSearchParams does.
 */
export function requestPath(base: ApiBase, path: string, query?: Record<string, string>): string {
  // A dot segment would be resolved away by a URL parser on the way and silently change the route.
  if (dotSegment.test(path)) {
    throw new MediagateError("invalid_input", `path ${path}: "." and ".." segments are refused`);
  }
  // Paths come filled and encoded (fillPath); any other character is encoded as a URL's path setter does.
  const full = plainPath.test(path) ? base.prefix + path : encodedPath(base, path);
  if (query === undefined) return full;
  const search = new URLSearchParams(query).toString();
  return search === "" ? full : `${full}?${search}`;
}

function encodedPath(base: ApiBase, path: string): string {
  const url = new URL(base.origin);
  url.pathname = base.prefix + path;
  return url.pathname;
}
