import type { KeyObject, webcrypto } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from "jose";
import Provider from "oidc-provider";

/** A signing key the tests hold both halves of: the authorization server publishes it, tests mint with it. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject | webcrypto.CryptoKey;
  publicJwk: JWK;
  privateJwk: JWK;
}

export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };
  return { kid, privateKey, publicJwk, privateJwk };
}

/** A JWT access token (RFC 9068) signed with `key`; `header` and `claims` override the defaults. */
export function mintToken(
  key: SigningKey,
  claims: JWTPayload & Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT({ client_id: "test-client", ...claims })
    .setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: key.kid, ...header })
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? "5m")
    .sign(key.privateKey);
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** The scopes mediagate defines, and the resource servers the test authorization server knows. */
export const mediagateScopes = "mediagate:read mediagate:write";

export interface OidcProviderOptions {
  key: SigningKey;
  /** Resource indicators whose access tokens are opaque (RFC 7662 introspection); every other is a JWT. */
  opaqueResources?: readonly string[];
}

export interface RunningOidcProvider {
  issuer: string;
  /** A confidential client with the client credentials grant, for tokens without a person. */
  machineClient: { id: string; secret: string };
  /** An access token for `resource` with `scope`, from the token endpoint (client credentials). */
  clientCredentialsToken(resource: string, scope: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * oidc-provider (panva; OpenID Certified) on loopback: dynamic registration, PKCE, resource indicators
 * with JWT access tokens, introspection, and its development login and consent pages.
 */
export async function startOidcProvider(options: OidcProviderOptions): Promise<RunningOidcProvider> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server = createServer((req, res) => handler?.(req, res));
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const machineClient = { id: "machine", secret: "machine-secret-6a1f9e" };
  const opaque = new Set(options.opaqueResources ?? []);
  const provider = new Provider(issuer, {
    jwks: { keys: [options.key.privateJwk] },
    cookies: { keys: ["test-cookie-key-3b7d"] },
    scopes: ["openid", "offline_access", ...mediagateScopes.split(" ")],
    // Its one key is an EC key, and registered clients get the default RS256 for their ID tokens otherwise.
    clientDefaults: { id_token_signed_response_alg: "ES256" },
    clients: [
      {
        client_id: machineClient.id,
        client_secret: machineClient.secret,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
        scope: mediagateScopes,
      },
    ],
    findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      introspection: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // A token for the one resource the person consented to, even when the token request names none.
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resourceIndicator: string) => ({
          scope: mediagateScopes,
          audience: resourceIndicator,
          accessTokenTTL: 300,
          accessTokenFormat: opaque.has(resourceIndicator) ? "opaque" : "jwt",
          jwt: { sign: { alg: "ES256" } },
        }),
      },
    },
  });
  const callback = provider.callback();
  handler = (req, res) => {
    callback(req, res);
  };
  return {
    issuer,
    machineClient,
    async clientCredentialsToken(resource, scope) {
      const response = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${machineClient.id}:${machineClient.secret}`).toString("base64")}`,
        },
        body: new URLSearchParams({ grant_type: "client_credentials", resource, scope }).toString(),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || !body.access_token) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    close: () => close(server),
  };
}

export interface MinimalAuthorizationServer {
  issuer: string;
  /** Publishes these keys from now on (a rotation: the new key first, the old one gone). */
  publish(keys: readonly SigningKey[]): void;
  /** How many times the key set was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

/**
 * The least an issuer of JWT access tokens serves: RFC 8414 metadata and its key set. Tests mint the
 * tokens themselves, so they decide when a new key signs its first one.
 */
export async function startMinimalAuthorizationServer(
  keys: readonly SigningKey[],
): Promise<MinimalAuthorizationServer> {
  let published = [...keys];
  let fetches = 0;
  let issuer = "";
  const server = createServer((req, res) => {
    const send = (body: unknown) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url === "/.well-known/oauth-authorization-server") {
      send({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
      });
    } else if (req.url === "/jwks") {
      fetches += 1;
      send({ keys: published.map((key) => key.publicJwk) });
    } else {
      res.writeHead(404).end();
    }
  });
  issuer = `http://127.0.0.1:${await listen(server)}`;
  return {
    issuer,
    publish(next) {
      published = [...next];
    },
    jwksFetches: () => fetches,
    close: () => close(server),
  };
}
