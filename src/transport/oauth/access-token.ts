import { createHash } from "node:crypto";
import { discoverAuthorizationServerMetadata } from "@modelcontextprotocol/sdk/client/auth.js";
import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { isLoopbackHost } from "../loopback.js";
import type { OAuthSettings } from "./settings.js";

/** Who sent a request, as its access token says. */
export interface TokenHolder {
  /** The token's `sub`: the person (or, for client credentials, the client) it was issued to. */
  subject: string | undefined;
  /** The OAuth client the person used: `client_id` (RFC 9068), else `azp`, `cid` (Okta) or `appid` (Entra v1). */
  clientId: string | undefined;
  scopes: readonly string[];
  /** Seconds since the epoch. */
  expiresAt: number | undefined;
}

/** The token fails a check: answered with 401 `invalid_token` and this description. */
export class TokenRefused extends Error {}

/** The authorization server could not be asked (discovery, keys, introspection): not the caller's fault. */
export class AuthorizationServerUnavailable extends Error {}

/**
 * Asymmetric algorithms only (RFC 9068 §4; RFC 8725 §3.1): `none` and HMAC are refused, so a public key
 * can never double as a shared secret.
 */
export const acceptedAlgorithms = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

/** RFC 9068's `at+jwt`, and `JWT`, which Keycloak and Entra ID send; Okta sends none. */
const acceptedTypes = new Set(["at+jwt", "application/at+jwt", "jwt"]);

/** How often an unknown `kid` may make mediagate fetch the issuer's keys again: a rotated key works within it. */
export const jwksCooldownMs = 30_000;
/** Clock skew allowed on `exp`, `nbf` and `iat`. */
export const clockToleranceS = 60;
/** How long an introspection verdict is reused, at most (a revoked opaque token works this long). */
const introspectionCacheMs = 30_000;
const introspectionCacheSize = 1000;
const authorizationServerTimeoutMs = 10_000;

function scopesOf(claims: Record<string, unknown>): string[] {
  const scopes: string[] = [];
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === "string") scopes.push(...value.split(" ").filter(Boolean));
    else if (Array.isArray(value)) scopes.push(...value.filter((scope) => typeof scope === "string"));
  }
  return [...new Set(scopes)];
}

function holderOf(claims: Record<string, unknown>): TokenHolder {
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);
  return {
    subject: text(claims.sub),
    clientId: text(claims.client_id) ?? text(claims.azp) ?? text(claims.cid) ?? text(claims.appid),
    scopes: scopesOf(claims),
    expiresAt: typeof claims.exp === "number" ? claims.exp : undefined,
  };
}

/** What the token's failed check means to the person holding it; never the token itself. */
function refusal(error: unknown): Error {
  if (error instanceof errors.JWTExpired) return new TokenRefused("the token has expired");
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss")
      return new TokenRefused("the token was issued by another authorization server");
    if (error.claim === "aud") return new TokenRefused("the token was issued for another resource");
    if (error.claim === "nbf") return new TokenRefused("the token is not valid yet");
    return new TokenRefused(`the token's ${error.claim} claim is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new TokenRefused("the token's signing algorithm is not accepted (asymmetric keys only)");
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenRefused("the token's signature does not verify");
  }
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
    return new TokenRefused("the token is signed with a key the authorization server does not publish");
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new TokenRefused("the token is not a well-formed JWT access token");
  }
  return new AuthorizationServerUnavailable(
    `the authorization server's keys could not be read: ${error instanceof Error ? error.message : String(error)}`,
  );
}

const fetchWithTimeout: typeof fetch = (input, init) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(authorizationServerTimeoutMs) });

function assertSecure(what: string, value: string): void {
  const url = new URL(value);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new AuthorizationServerUnavailable(`the authorization server's ${what} ${value} is not https://`);
  }
}

/**
 * Checks access tokens from one issuer: JWTs (RFC 9068) against the keys the issuer publishes, found
 * through its metadata (RFC 8414, then OpenID Connect discovery), and opaque tokens through RFC 7662
 * introspection when it is configured. Holds no state but caches: any instance checks any token.
 */
export class AccessTokenVerifier {
  private keys: Promise<JWTVerifyGetKey> | undefined;
  private readonly verdicts = new Map<string, { caller: TokenHolder; until: number }>();

  constructor(
    private readonly settings: OAuthSettings,
    /** The `aud` a token must name: `MEDIAGATE_OAUTH_AUDIENCE`, else the resource URL. */
    private readonly audience: string,
  ) {}

  /** The issuer's key set, from its metadata; fetched once, and again after a failure. */
  jwks(): Promise<JWTVerifyGetKey> {
    this.keys ??= this.discover().catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  private async discover(): Promise<JWTVerifyGetKey> {
    const { issuer } = this.settings;
    let metadata: Awaited<ReturnType<typeof discoverAuthorizationServerMetadata>>;
    try {
      metadata = await discoverAuthorizationServerMetadata(issuer, { fetchFn: fetchWithTimeout });
    } catch (error) {
      throw new AuthorizationServerUnavailable(
        `the metadata of ${issuer} could not be read: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!metadata) {
      throw new AuthorizationServerUnavailable(
        // The SDK's discovery reads a network failure as a browser's CORS refusal and tries the next URL.
        `no metadata from ${issuer} at /.well-known/oauth-authorization-server nor /.well-known/openid-configuration (unreachable, or not an authorization server)`,
      );
    }
    // RFC 8414 §3.3: the metadata must name the issuer it was asked for, else another server's could stand in.
    if (metadata.issuer !== issuer) {
      throw new AuthorizationServerUnavailable(
        `the authorization server calls itself "${metadata.issuer}": set MEDIAGATE_OAUTH_ISSUER to exactly that`,
      );
    }
    const jwksUri = (metadata as { jwks_uri?: unknown }).jwks_uri;
    if (typeof jwksUri !== "string") {
      throw new AuthorizationServerUnavailable(
        `${issuer} publishes no jwks_uri: its tokens cannot be checked`,
      );
    }
    assertSecure("jwks_uri", jwksUri);
    return createRemoteJWKSet(new URL(jwksUri), {
      cooldownDuration: jwksCooldownMs,
      timeoutDuration: authorizationServerTimeoutMs,
    });
  }

  /** The caller a token names, or TokenRefused / AuthorizationServerUnavailable. */
  async verify(token: string): Promise<TokenHolder> {
    const segments = token.split(".");
    if (segments.length === 3) return this.verifyJwt(token);
    if (this.settings.introspection) return this.introspect(token);
    throw new TokenRefused(
      "the token is not a JWT access token, and no introspection endpoint is configured",
    );
  }

  private async verifyJwt(token: string): Promise<TokenHolder> {
    const keys = await this.jwks();
    let payload: JWTPayload;
    try {
      const verified = await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        audience: this.audience,
        algorithms: acceptedAlgorithms,
        clockTolerance: clockToleranceS,
        requiredClaims: ["exp"],
      });
      const type = verified.protectedHeader.typ;
      if (type !== undefined && !acceptedTypes.has(type.toLowerCase())) {
        // The header is the sender's: only printable ASCII of it reaches a header value or a log line.
        const shown = type.replace(/[^\x20-\x7e]/g, "?").slice(0, 40);
        throw new TokenRefused(`the token's type "${shown}" is not an access token's (at+jwt or JWT)`);
      }
      payload = verified.payload;
    } catch (error) {
      if (error instanceof TokenRefused) throw error;
      throw refusal(error);
    }
    return holderOf(payload);
  }

  private async introspect(token: string): Promise<TokenHolder> {
    const key = createHash("sha256").update(token).digest("base64url");
    const now = Date.now();
    const known = this.verdicts.get(key);
    if (known && known.until > now) return known.caller;
    this.verdicts.delete(key);

    const { url, clientId, clientSecret } = this.settings.introspection as NonNullable<
      OAuthSettings["introspection"]
    >;
    // RFC 6749 §2.3.1: both halves form-encoded before they are joined for Basic.
    const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString(
      "base64",
    );
    let answer: Record<string, unknown>;
    try {
      const response = await fetchWithTimeout(url, {
        method: "POST",
        redirect: "error",
        headers: {
          authorization: `Basic ${basic}`,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(
          response.status === 401 || response.status === 403
            ? `it refused mediagate's credentials (HTTP ${response.status}): check MEDIAGATE_OAUTH_CLIENT_ID and MEDIAGATE_OAUTH_CLIENT_SECRET`
            : `HTTP ${response.status}`,
        );
      }
      answer = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw new AuthorizationServerUnavailable(
        `token introspection failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (answer.active !== true)
      throw new TokenRefused("the token is not active (expired, revoked or unknown)");
    if (answer.iss !== undefined && answer.iss !== this.settings.issuer) {
      throw new TokenRefused("the token was issued by another authorization server");
    }
    const audiences =
      typeof answer.aud === "string" ? [answer.aud] : Array.isArray(answer.aud) ? answer.aud : [];
    if (!audiences.includes(this.audience))
      throw new TokenRefused("the token was issued for another resource");
    const seconds = now / 1000;
    if (typeof answer.exp === "number" && answer.exp + clockToleranceS <= seconds) {
      throw new TokenRefused("the token has expired");
    }
    if (typeof answer.nbf === "number" && answer.nbf - clockToleranceS > seconds) {
      throw new TokenRefused("the token is not valid yet");
    }
    const caller = holderOf(answer);
    const expiresAtMs = caller.expiresAt === undefined ? Number.POSITIVE_INFINITY : caller.expiresAt * 1000;
    if (this.verdicts.size >= introspectionCacheSize) {
      const oldest = this.verdicts.keys().next().value;
      if (oldest !== undefined) this.verdicts.delete(oldest);
    }
    this.verdicts.set(key, { caller, until: Math.min(now + introspectionCacheMs, expiresAtMs) });
    return caller;
  }
}
