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

/** Joins a base URL and a path, keeping the base's own path: `https://h/api` + `/media/x` → `https://h/api/media/x`. */
export function joinUrl(base: string, path: string, query?: Record<string, string>): URL {
  // A dot segment would be resolved away by the URL parser and silently change the route.
  if (path.split("/").some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) {
    throw new MediagateError("invalid_input", `path ${path}: "." and ".." segments are refused`);
  }
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, "") + path;
  url.search = "";
  url.hash = "";
  if (query) {
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  }
  return url;
}
