import { isIP } from "node:net";

/** Host names that only ever reach this machine. */
const loopbackNames = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

/** True when binding to `host` accepts connections from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  if (loopbackNames.has(name) || name.endsWith(".localhost")) return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  return false;
}

/**
 * The host names a browser may put in `Host` (and `Origin`) when it really talks to a loopback bind.
 * Anything else means a page on another site resolved its own name to 127.0.0.1: DNS rebinding.
 */
export function loopbackHostnames(boundHost: string): string[] {
  const names = ["localhost", "127.0.0.1", "[::1]"];
  const bound = boundHost.includes(":") && !boundHost.startsWith("[") ? `[${boundHost}]` : boundHost;
  if (!names.includes(bound.toLowerCase())) names.push(bound.toLowerCase());
  return names;
}

/** The hostname part of a `Host` header, lower-case, IPv6 in brackets; undefined if unreadable. */
export function hostnameOf(value: string): string | undefined {
  try {
    const url = new URL(`http://${value}`);
    return url.hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
