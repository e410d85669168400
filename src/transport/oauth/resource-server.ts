import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import type { OAuthProtectedResourceMetadata } from "@modelcontextprotocol/sdk/shared/auth.js";
import {
  AccessTokenVerifier,
  AuthorizationServerUnavailable,
  type TokenHolder,
  TokenRefused,
} from "./access-token.js";
import type { OAuthSettings } from "./settings.js";

/** What a caller may do: the read-only tools, or every tool. */
export type Access = "read" | "write";

/** A request's verdict: the caller and what it may do, or the answer to send instead. */
export type Authentication =
  | { ok: true; caller: TokenHolder; access: Access; token: string }
  | {
      ok: false;
      status: 401 | 403 | 503;
      headers: Record<string, string>;
      error: string;
      description: string;
    };

/** A name for the caller in logs: `sub` with the client it came through (the key of what is per caller is transport/caller.ts). */
export function holderLabel(caller: TokenHolder): string {
  return `sub=${caller.subject ?? "-"} client_id=${caller.clientId ?? "-"}`;
}

/**
 * Whether the token grants `scope`. Entra ID is asked for a scope by its full name
 * (`api://mediagate/mediagate.read`) and writes only the last part in `scp` (`mediagate.read`); the
 * audience check has already tied the token to this API.
 */
function grants(caller: TokenHolder, scope: string): boolean {
  if (caller.scopes.includes(scope)) return true;
  const slash = scope.lastIndexOf("/");
  return slash >= 0 && caller.scopes.includes(scope.slice(slash + 1));
}

/** A quoted-string for an auth-param (RFC 9110 §5.6.4): no quote or backslash reaches the header unescaped. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, "\\$&")}"`;
}

/**
 * mediagate as an OAuth 2.1 resource server (MCP authorization, 2025-11-25): the metadata that tells a
 * client where to get a token (RFC 9728), the challenges that send it there (RFC 6750 §3), and the check
 * of each token. The challenges are those of the SDK's Express middleware
 * (`@modelcontextprotocol/sdk` `server/auth/middleware/bearerAuth.js`), written for node:http.
 */
export class ResourceServer {
  /** The protected resource: `<public URL>/mcp`. */
  readonly resource: string;
  /** Where the resource's metadata is: `<public URL>/.well-known/oauth-protected-resource/mcp`. */
  readonly metadataUrl: string;
  private readonly verifier: AccessTokenVerifier;

  constructor(
    readonly settings: OAuthSettings,
    /** The origin clients reach mediagate at: `MEDIAGATE_PUBLIC_URL`, else the bound address. */
    publicOrigin: string,
  ) {
    this.resource = `${publicOrigin}/mcp`;
    this.metadataUrl = `${publicOrigin}/.well-known/oauth-protected-resource/mcp`;
    this.verifier = new AccessTokenVerifier(settings, settings.audience ?? this.resource);
  }

  /**
   * The token's verdict as the SDK hands it to request handlers (`extra.authInfo`), read from `req.auth`
   * where the SDK's own bearer middleware puts it; the subject in `extra.sub`.
   */
  authInfo(token: string, holder: TokenHolder): AuthInfo {
    return {
      token,
      clientId: holder.clientId ?? "",
      scopes: [...holder.scopes],
      ...(holder.expiresAt === undefined ? {} : { expiresAt: holder.expiresAt }),
      extra: { sub: holder.subject },
    };
  }

  /** RFC 9728 metadata, served without a token at both well-known paths. */
  metadata(): OAuthProtectedResourceMetadata {
    return {
      resource: this.resource,
      authorization_servers: [this.settings.issuer],
      scopes_supported: [this.settings.readScope, this.settings.writeScope],
      bearer_methods_supported: ["header"],
      resource_name: "mediagate",
    };
  }

  /** Reads the issuer's metadata and keys ahead of the first token; a failure is retried on that token. */
  warm(): Promise<unknown> {
    return this.verifier.jwks();
  }

  private challenge(params: Record<string, string | undefined>): Record<string, string> {
    const parts = Object.entries({ ...params, resource_metadata: this.metadataUrl })
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([name, value]) => `${name}=${quoted(value)}`);
    return { "www-authenticate": `Bearer ${parts.join(", ")}` };
  }

  /** Every scope mediagate knows, as the 401 asks a client to request them. */
  private get allScopes(): string {
    return `${this.settings.readScope} ${this.settings.writeScope}`;
  }

  /** 403 for a call beyond the token's scopes: the client may step up to `scope` and try again. */
  insufficientScope(scope: string, description: string): Extract<Authentication, { ok: false }> {
    return {
      ok: false,
      status: 403,
      error: "insufficient_scope",
      description,
      headers: this.challenge({ error: "insufficient_scope", scope, error_description: description }),
    };
  }

  /** Checks the `Authorization` header of a request to /mcp. */
  async authenticate(authorization: string | undefined): Promise<Authentication> {
    if (authorization === undefined || authorization.trim() === "") {
      // RFC 6750 §3.1: a request with no credentials gets no error code.
      return {
        ok: false,
        status: 401,
        error: "unauthorized",
        description: "an access token is required",
        headers: this.challenge({ scope: this.allScopes }),
      };
    }
    const match = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(authorization);
    try {
      if (!match?.[1]) throw new TokenRefused("send the access token as Authorization: Bearer <token>");
      const caller = await this.verifier.verify(match[1]);
      if (grants(caller, this.settings.writeScope))
        return { ok: true, caller, access: "write", token: match[1] };
      if (grants(caller, this.settings.readScope))
        return { ok: true, caller, access: "read", token: match[1] };
      return this.insufficientScope(
        this.allScopes,
        `the token grants neither ${this.settings.readScope} nor ${this.settings.writeScope}`,
      );
    } catch (error) {
      if (error instanceof TokenRefused) {
        return {
          ok: false,
          status: 401,
          error: "invalid_token",
          description: error.message,
          headers: this.challenge({
            error: "invalid_token",
            scope: this.allScopes,
            error_description: error.message,
          }),
        };
      }
      const description =
        error instanceof AuthorizationServerUnavailable
          ? error.message
          : `the token could not be checked: ${error instanceof Error ? error.message : String(error)}`;
      return {
        ok: false,
        status: 503,
        error: "temporarily_unavailable",
        description,
        headers: { "retry-after": "5" },
      };
    }
  }
}
