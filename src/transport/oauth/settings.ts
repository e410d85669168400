import { MediagateError } from "../../errors.js";
import { isLoopbackHost } from "../loopback.js";

/** The scope names mediagate asks for, unless the deployment's authorization server prefixes its own. */
export const defaultReadScope = "mediagate:read";
export const defaultWriteScope = "mediagate:write";

/** mediagate as an OAuth 2.1 resource server: whose tokens it accepts, and what it calls itself. */
export interface OAuthSettings {
  /** `MEDIAGATE_OAUTH_ISSUER`: tokens must carry exactly this `iss`. */
  issuer: string;
  /** `MEDIAGATE_PUBLIC_URL` as an origin; undefined: the address the server is bound to. */
  publicUrl: string | undefined;
  /** `MEDIAGATE_OAUTH_AUDIENCE`: the `aud` to require instead of the resource URL (Auth0, Entra). */
  audience: string | undefined;
  /** `MEDIAGATE_OAUTH_READ_SCOPE` (default `mediagate:read`): lists and calls the read-only tools. */
  readScope: string;
  /** `MEDIAGATE_OAUTH_WRITE_SCOPE` (default `mediagate:write`): every tool. */
  writeScope: string;
  /** RFC 7662 introspection for opaque tokens, with the credentials mediagate authenticates with there. */
  introspection: { url: string; clientId: string; clientSecret: string } | undefined;
}

function configError(message: string): MediagateError {
  return new MediagateError("invalid_input", message);
}

/**
 * An http(s) URL; plain http only to this machine, since keys and token verdicts read over plain http
 * from another host could be forged on the way.
 */
function secureUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw configError(`${name}: "${value}" is not a URL (e.g. https://auth.example.com/realms/media)`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw configError(`${name}: "${value}" must be an https:// URL (plain http is allowed on loopback only)`);
  }
  return url;
}

function scopeName(name: string, value: string | undefined, fallback: string): string {
  const scope = value?.trim() || fallback;
  if (/[\s"\\]/.test(scope))
    throw configError(`${name}: "${scope}" must be one scope name, without spaces or quotes`);
  return scope;
}

/** Reads the OAuth variables; undefined when `MEDIAGATE_OAUTH_ISSUER` is unset (no OAuth). */
export function oauthSettingsFromEnv(env: NodeJS.ProcessEnv): OAuthSettings | undefined {
  const issuer = env.MEDIAGATE_OAUTH_ISSUER?.trim();
  if (!issuer) {
    for (const name of ["MEDIAGATE_OAUTH_AUDIENCE", "MEDIAGATE_OAUTH_INTROSPECTION_URL"]) {
      if (env[name]?.trim())
        throw configError(`${name} needs MEDIAGATE_OAUTH_ISSUER, the authorization server`);
    }
    return undefined;
  }
  secureUrl("MEDIAGATE_OAUTH_ISSUER", issuer);

  let publicUrl: string | undefined;
  const publicText = env.MEDIAGATE_PUBLIC_URL?.trim();
  if (publicText) {
    let url: URL;
    try {
      url = new URL(publicText);
    } catch {
      throw configError(
        `MEDIAGATE_PUBLIC_URL: "${publicText}" is not a URL (e.g. https://media.example.com)`,
      );
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw configError(`MEDIAGATE_PUBLIC_URL: "${publicText}" must be an https:// URL`);
    }
    if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
      throw configError(
        `MEDIAGATE_PUBLIC_URL: "${publicText}" must be an origin only (e.g. https://media.example.com); the MCP endpoint is its /mcp`,
      );
    }
    publicUrl = url.origin;
  }

  let introspection: OAuthSettings["introspection"];
  const introspectionUrl = env.MEDIAGATE_OAUTH_INTROSPECTION_URL?.trim();
  if (introspectionUrl) {
    const url = secureUrl("MEDIAGATE_OAUTH_INTROSPECTION_URL", introspectionUrl);
    const clientId = env.MEDIAGATE_OAUTH_CLIENT_ID?.trim();
    const clientSecret = env.MEDIAGATE_OAUTH_CLIENT_SECRET;
    if (!clientId || !clientSecret) {
      throw configError(
        "MEDIAGATE_OAUTH_INTROSPECTION_URL needs MEDIAGATE_OAUTH_CLIENT_ID and MEDIAGATE_OAUTH_CLIENT_SECRET, the credentials mediagate introspects with",
      );
    }
    introspection = { url: url.href, clientId, clientSecret };
  }

  return {
    issuer,
    publicUrl,
    audience: env.MEDIAGATE_OAUTH_AUDIENCE?.trim() || undefined,
    readScope: scopeName("MEDIAGATE_OAUTH_READ_SCOPE", env.MEDIAGATE_OAUTH_READ_SCOPE, defaultReadScope),
    writeScope: scopeName("MEDIAGATE_OAUTH_WRITE_SCOPE", env.MEDIAGATE_OAUTH_WRITE_SCOPE, defaultWriteScope),
    introspection,
  };
}
