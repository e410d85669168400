import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { OAuthProtectedResourceMetadataSchema } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { base64url, SignJWT } from "jose";
import { loadSettings } from "../src/config.js";
import { configureLog } from "../src/log.js";
import { type Sandbox, startSandbox } from "../src/sandbox/index.js";
import { createRuntime, createServer } from "../src/server.js";
import { startHttpServer } from "../src/transport/http.js";
import { oauthSettingsFromEnv } from "../src/transport/oauth/settings.js";
import {
  mediagateScopes,
  mintToken,
  type RunningOidcProvider,
  type SigningKey,
  signingKey,
  startMinimalAuthorizationServer,
  startOidcProvider,
} from "./helpers/authorization-server.js";
import { testBasePaths } from "./helpers/harness.js";
import { rawPost } from "./helpers/raw-post.js";
import {
  cleanEnv,
  connectHttpClient,
  runCli,
  type ServerProcess,
  startServerProcess,
} from "./helpers/server-process.js";

const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
};

/** The auth-params of a `WWW-Authenticate: Bearer …` challenge. */
function challengeOf(response: Response): Record<string, string> {
  const header = response.headers.get("www-authenticate") ?? "";
  assert.match(header, /^Bearer /, `WWW-Authenticate: ${header}`);
  const params: Record<string, string> = {};
  for (const match of header.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    if (match[1] !== undefined && match[2] !== undefined) params[match[1]] = match[2];
  }
  return params;
}

function postMcp(url: string, body: unknown, token?: string): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { ...mcpHeaders, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
}

function structured(result: unknown): Record<string, unknown> {
  const value = (result as CallToolResult).structuredContent;
  assert.ok(value, `no structuredContent in ${JSON.stringify(result)}`);
  return value;
}

/**
 * A host's side of the SDK's OAuth flow, kept in memory: the client it registered, the PKCE verifier,
 * the tokens, and the authorization URL it would open in a browser.
 */
class HostAuthProvider implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private client: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier = "";
  readonly redirectUrl = "http://127.0.0.1:1/oauth/callback";

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "mediagate test host",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.client = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/**
 * What a person does in the browser: opens the authorization URL, signs in on the authorization server's
 * page, consents, and is sent back to the host's redirect URI with a code. Over HTTP, with the cookies a
 * browser would keep, following each redirect and posting each form.
 */
async function signInAndConsent(authorizationUrl: URL, redirectUrl: string, login: string): Promise<string> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl.href;
  let init: RequestInit = {};
  for (let step = 0; step < 20; step++) {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair?.indexOf("=") ?? -1;
      if (pair && at > 0) cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const location = response.headers.get("location");
    if (location) {
      await response.body?.cancel();
      const next = new URL(location, url);
      if (next.href.startsWith(redirectUrl)) {
        const code = next.searchParams.get("code");
        assert.ok(code, `no code in ${next.href}`);
        return code;
      }
      url = next.href;
      init = {};
      continue;
    }
    const html = await response.text();
    assert.equal(response.status, 200, html);
    const form = /<form[^>]*action="([^"]+)"[^>]*method="post"/i.exec(html);
    assert.ok(form?.[1], `no form on ${url}:\n${html}`);
    const fields = new URLSearchParams();
    for (const input of html.matchAll(/<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/gi)) {
      if (input[1] !== undefined && input[2] !== undefined) fields.set(input[1], input[2]);
    }
    if (/name="login"/.test(html)) {
      fields.set("login", login);
      fields.set("password", "any password");
    }
    url = new URL(form[1], url).href;
    init = {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: fields.toString(),
    };
  }
  throw new Error("the authorization server never redirected back to the host");
}

/** A public URL whose access tokens the authorization server issues opaque, for introspection. */
const opaqueUrl = "https://opaque.example.test";

describe("mediagate --http as an OAuth resource server", () => {
  let sandbox: Sandbox;
  let key: SigningKey;
  let authorizationServer: RunningOidcProvider;
  let mediagate: ServerProcess;
  const processes: ServerProcess[] = [];
  const clients: Client[] = [];

  const serve = async (extra: Record<string, string> = {}) => {
    const started = await startServerProcess(
      [],
      cleanEnv({
        ...sandbox.env(),
        MEDIAGATE_LOG_LEVEL: "info",
        MEDIAGATE_OAUTH_ISSUER: authorizationServer.issuer,
        ...extra,
      }),
    );
    processes.push(started);
    return started;
  };

  before(async () => {
    sandbox = await startSandbox({ basePaths: testBasePaths });
    key = await signingKey("key-1");
    authorizationServer = await startOidcProvider({ key, opaqueResources: [`${opaqueUrl}/mcp`] });
    mediagate = await serve();
  });

  after(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    await Promise.all(processes.map((started) => started.kill()));
    await authorizationServer?.close();
    await sandbox?.close();
  });

  /** A token as the authorization server would issue it for this mediagate, minted with its own key. */
  const claims = () => ({
    iss: authorizationServer.issuer,
    aud: mediagate.url,
    sub: "alice",
    scope: mediagateScopes,
  });

  test("serves the protected-resource metadata at both well-known paths, without a token", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource",
    ]) {
      const response = await fetch(`${mediagate.origin}${path}`);
      assert.equal(response.status, 200, path);
      const metadata = OAuthProtectedResourceMetadataSchema.parse(await response.json());
      assert.deepEqual(metadata, {
        resource: mediagate.url,
        authorization_servers: [authorizationServer.issuer],
        scopes_supported: ["mediagate:read", "mediagate:write"],
        bearer_methods_supported: ["header"],
        resource_name: "mediagate",
      });
    }
  });

  test("answers a request without a token with 401 and the challenge that names the metadata and scopes", async () => {
    const response = await postMcp(mediagate.url, initialize);
    assert.equal(response.status, 401);
    const challenge = challengeOf(response);
    assert.equal(challenge.resource_metadata, `${mediagate.origin}/.well-known/oauth-protected-resource/mcp`);
    assert.equal(challenge.scope, "mediagate:read mediagate:write");
    assert.equal(challenge.error, undefined);
  });

  test("the SDK's client OAuth flow: discovery from the 401, registration, PKCE with resource, then a listed and called tool", async () => {
    const provider = new HostAuthProvider();
    const first = new Client({ name: "host", version: "1.0.0" });
    await assert.rejects(
      first.connect(new StreamableHTTPClientTransport(new URL(mediagate.url), { authProvider: provider })),
      UnauthorizedError,
    );
    const authorizationUrl = provider.authorizationUrl;
    assert.ok(authorizationUrl, "the client never asked the person to authorize");
    assert.equal(authorizationUrl.origin, authorizationServer.issuer);
    assert.equal(authorizationUrl.searchParams.get("resource"), mediagate.url);
    assert.equal(authorizationUrl.searchParams.get("code_challenge_method"), "S256");
    assert.ok(provider.clientInformation()?.client_id, "the client registered itself");

    const code = await signInAndConsent(authorizationUrl, provider.redirectUrl, "alice");
    const transport = new StreamableHTTPClientTransport(new URL(mediagate.url), { authProvider: provider });
    await transport.finishAuth(code);
    const client = new Client({ name: "host", version: "1.0.0" });
    await client.connect(transport);
    clients.push(client);

    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "videodb_generate_video"));
    const result = await client.callTool({ name: "videodb_list_videos", arguments: {} });
    assert.notEqual(result.isError, true, JSON.stringify(result));
    assert.ok((structured(result).videos as unknown[]).length > 0);
    await mediagate.waitForStderr('tools/call {"tool":"videodb_list_videos"');
    assert.match(
      mediagate.stderr(),
      /tools\/call \{"tool":"videodb_list_videos","caller":"sub=alice client_id=/,
    );
    const accessToken = provider.tokens()?.access_token;
    assert.ok(accessToken);
    assert.ok(!mediagate.stderr().includes(accessToken), "the access token reached the log");
  });

  describe("refuses a token that fails a check with 401 invalid_token and the challenge", () => {
    const refusedWith = async (token: string, description: RegExp) => {
      const response = await postMcp(mediagate.url, initialize, token);
      assert.equal(response.status, 401);
      const challenge = challengeOf(response);
      assert.equal(challenge.error, "invalid_token");
      assert.equal(
        challenge.resource_metadata,
        `${mediagate.origin}/.well-known/oauth-protected-resource/mcp`,
      );
      assert.equal(challenge.scope, "mediagate:read mediagate:write");
      assert.match(challenge.error_description ?? "", description);
      assert.ok(!mediagate.stderr().includes(token), "a refused token reached the log");
    };

    test("a token signed with the issuer's key is accepted (the control)", async () => {
      const response = await postMcp(mediagate.url, initialize, await mintToken(key, claims()));
      assert.equal(response.status, 200);
      await response.body?.cancel();
    });

    test("typ JWT, as Keycloak and Entra ID send, is accepted; a typ of another kind of JWT is not", async () => {
      const response = await postMcp(
        mediagate.url,
        initialize,
        await mintToken(key, claims(), { typ: "JWT" }),
      );
      assert.equal(response.status, 200);
      await response.body?.cancel();
      await refusedWith(await mintToken(key, claims(), { typ: "logout+jwt" }), /not an access token/);
      await refusedWith(
        await mintToken(key, claims(), { typ: 'x"\r\nX-Injected: 1' }),
        /not an access token/,
      );
    });

    test("expired beyond the 60 s of clock skew", async () => {
      const now = Math.floor(Date.now() / 1000);
      await refusedWith(await mintToken(key, { ...claims(), iat: now - 600, exp: now - 61 }), /expired/);
    });

    test("issued for another resource", async () => {
      await refusedWith(
        await mintToken(key, { ...claims(), aud: "https://elsewhere.example/mcp" }),
        /another resource/,
      );
    });

    test("naming another issuer, even when signed with a key this issuer publishes", async () => {
      await refusedWith(
        await mintToken(key, { ...claims(), iss: "https://other-issuer.example" }),
        /another authorization server/,
      );
    });

    test("from another issuer, signed with that issuer's own key", async () => {
      const other = await signingKey("other-issuer-key");
      await refusedWith(
        await mintToken(other, { ...claims(), iss: "https://other-issuer.example" }),
        /key the authorization server does not publish/,
      );
    });

    test("tampered: the payload changed after signing", async () => {
      const [header, , signature] = (await mintToken(key, { ...claims(), scope: "mediagate:read" })).split(
        ".",
      );
      const payload = base64url.encode(
        JSON.stringify({ ...claims(), exp: Math.floor(Date.now() / 1000) + 300 }),
      );
      await refusedWith(`${header}.${payload}.${signature}`, /signature does not verify/);
    });

    test("alg none", async () => {
      const header = base64url.encode(JSON.stringify({ alg: "none", typ: "at+jwt", kid: key.kid }));
      const payload = base64url.encode(
        JSON.stringify({ ...claims(), exp: Math.floor(Date.now() / 1000) + 300 }),
      );
      await refusedWith(`${header}.${payload}.`, /not a well-formed JWT|algorithm is not accepted/);
    });

    test("HMAC with the issuer's public key as the secret", async () => {
      const publicPem = createPublicKey({ key: key.publicJwk, format: "jwk" }).export({
        type: "spki",
        format: "pem",
      });
      const token = await new SignJWT({ ...claims() })
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: key.kid })
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(String(publicPem)));
      await refusedWith(token, /algorithm is not accepted/);
    });

    test("an opaque token when no introspection endpoint is configured", async () => {
      await refusedWith("an-opaque-token-0c4e7d", /not a JWT access token/);
    });
  });

  test("a read-only token lists only the read-only tools, and a write call gets 403 insufficient_scope with nothing sent", async () => {
    const token = await mintToken(key, { ...claims(), scope: "mediagate:read" });
    const client = await connectHttpClient(mediagate.url, { authorization: `Bearer ${token}` });
    clients.push(client);
    const { tools } = await client.listTools();
    assert.ok(tools.length > 0);
    for (const tool of tools) assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
    assert.ok(tools.some((tool) => tool.name === "videodb_list_videos"));
    assert.ok(!tools.some((tool) => tool.name === "videodb_generate_video"));
    const read = await client.callTool({ name: "videodb_list_videos", arguments: {} });
    assert.notEqual(read.isError, true, JSON.stringify(read));

    for (const emulator of [sandbox.videodb, sandbox.aioz, sandbox.aistudios]) emulator.clearRequests();
    const response = await postMcp(
      mediagate.url,
      {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "videodb_generate_video", arguments: { prompt: "a lighthouse at dusk", wait_s: 0 } },
      },
      token,
    );
    assert.equal(response.status, 403);
    const challenge = challengeOf(response);
    assert.equal(challenge.error, "insufficient_scope");
    assert.equal(challenge.scope, "mediagate:write");
    assert.equal(challenge.resource_metadata, `${mediagate.origin}/.well-known/oauth-protected-resource/mcp`);
    const requests = [...sandbox.videodb.requests, ...sandbox.aioz.requests, ...sandbox.aistudios.requests];
    assert.deepEqual(requests, []);
  });

  test("a token with neither mediagate scope gets 403 insufficient_scope naming both", async () => {
    const response = await postMcp(
      mediagate.url,
      initialize,
      await mintToken(key, { ...claims(), scope: "openid" }),
    );
    assert.equal(response.status, 403);
    const challenge = challengeOf(response);
    assert.equal(challenge.error, "insufficient_scope");
    assert.equal(challenge.scope, "mediagate:read mediagate:write");
  });

  test("reads Entra's and Okta's scp claim, a list or a string", async () => {
    for (const scp of [["mediagate:write"], "mediagate:write"]) {
      const { scope: _scope, ...rest } = claims();
      const client = await connectHttpClient(mediagate.url, {
        authorization: `Bearer ${await mintToken(key, { ...rest, scp })}`,
      });
      clients.push(client);
      const { tools } = await client.listTools();
      assert.ok(
        tools.some((tool) => tool.name === "videodb_generate_video"),
        JSON.stringify(scp),
      );
    }
  });

  test("an Entra-style scope configured by its full name is granted by the short name the token carries", async () => {
    const entra = await serve({
      MEDIAGATE_OAUTH_READ_SCOPE: "api://mediagate/mediagate.read",
      MEDIAGATE_OAUTH_WRITE_SCOPE: "api://mediagate/mediagate.write",
    });
    const { scope: _scope, ...rest } = claims();
    const token = await mintToken(key, { ...rest, aud: entra.url, scp: "mediagate.read" });
    const client = await connectHttpClient(entra.url, { authorization: `Bearer ${token}` });
    clients.push(client);
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "videodb_list_videos"));
    assert.ok(!tools.some((tool) => tool.name === "videodb_generate_video"));
    const challenge = challengeOf(await postMcp(entra.url, initialize));
    assert.equal(challenge.scope, "api://mediagate/mediagate.read api://mediagate/mediagate.write");
  });

  test("MEDIAGATE_HTTP_TOKEN still serves machine clients beside OAuth", async () => {
    const both = await serve({ MEDIAGATE_HTTP_TOKEN: "static-token-9d2b" });
    const client = await connectHttpClient(both.url, { authorization: "Bearer static-token-9d2b" });
    clients.push(client);
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "videodb_generate_video"));
    const response = await postMcp(both.url, initialize, "not-the-static-token");
    assert.equal(response.status, 401);
    assert.equal(challengeOf(response).error, "invalid_token");
  });

  test("two instances behind one public URL accept the same token, and a job started through one is answered by the other", async () => {
    const publicUrl = "https://media.example.test";
    const [one, two] = await Promise.all([
      serve({ MEDIAGATE_PUBLIC_URL: publicUrl }),
      serve({ MEDIAGATE_PUBLIC_URL: publicUrl }),
    ]);
    assert.ok(one && two);
    const token = await authorizationServer.clientCredentialsToken(`${publicUrl}/mcp`, "mediagate:write");
    const first = await connectHttpClient(one.url, { authorization: `Bearer ${token}` });
    const second = await connectHttpClient(two.url, { authorization: `Bearer ${token}` });
    clients.push(first, second);
    const started = await first.callTool({
      name: "videodb_generate_video",
      arguments: { prompt: "a lighthouse at dusk", wait_s: 0 },
    });
    const job = structured(started).job as { id: string };
    const status = await second.callTool({ name: "job_status", arguments: { job_id: job.id } });
    assert.notEqual(status.isError, true, JSON.stringify(status));
    assert.equal((structured(status).job as { id: string }).id, job.id);
    const metadata = await (await fetch(`${two.origin}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.equal((metadata as { resource: string }).resource, `${publicUrl}/mcp`);
    // A reverse proxy on the same machine passes the public host on; a rebinding page's own name is refused.
    const hosts = { "media.example.test": 401, "rebinding.example.net": 403 };
    for (const [name, expected] of Object.entries(hosts)) {
      assert.equal(
        await rawPost(one.url, { ...mcpHeaders, host: name }, JSON.stringify(initialize)),
        expected,
        name,
      );
    }
  });

  test("an opaque token is checked by RFC 7662 introspection, with mediagate's own client credentials", async () => {
    const introspecting = await serve({
      MEDIAGATE_PUBLIC_URL: opaqueUrl,
      MEDIAGATE_OAUTH_INTROSPECTION_URL: `${authorizationServer.issuer}/token/introspection`,
      MEDIAGATE_OAUTH_CLIENT_ID: authorizationServer.machineClient.id,
      MEDIAGATE_OAUTH_CLIENT_SECRET: authorizationServer.machineClient.secret,
    });
    const token = await authorizationServer.clientCredentialsToken(`${opaqueUrl}/mcp`, "mediagate:read");
    assert.equal(token.split(".").length, 1, "the authorization server issued a JWT, not an opaque token");
    const client = await connectHttpClient(introspecting.url, { authorization: `Bearer ${token}` });
    clients.push(client);
    const { tools } = await client.listTools();
    assert.ok(tools.some((tool) => tool.name === "videodb_list_videos"));
    assert.ok(
      !tools.some((tool) => tool.name === "videodb_generate_video"),
      "a read token listed a write tool",
    );

    const unknown = await postMcp(introspecting.url, initialize, "not-a-token-the-server-issued");
    assert.equal(unknown.status, 401);
    assert.equal(challengeOf(unknown).error, "invalid_token");
    assert.ok(
      !introspecting.stderr().includes(authorizationServer.machineClient.secret),
      "the client secret reached the log",
    );
  });

  describe("start-up rules", () => {
    test("a non-loopback bind with the issuer but no MEDIAGATE_PUBLIC_URL is refused with one line and exit code 2", async () => {
      const run = await runCli(
        ["--http", "--host", "0.0.0.0", "--port", "0"],
        cleanEnv({ ...sandbox.env(), MEDIAGATE_OAUTH_ISSUER: authorizationServer.issuer }),
      );
      assert.equal(run.code, 2);
      assert.equal(run.stderr.trim().split("\n").length, 1, run.stderr);
      assert.match(run.stderr, /MEDIAGATE_PUBLIC_URL/);
    });

    test("MEDIAGATE_PUBLIC_URL is an origin, and introspection needs mediagate's client credentials", () => {
      const issuer = "https://auth.example.com/realms/media";
      assert.throws(
        () =>
          oauthSettingsFromEnv({
            MEDIAGATE_OAUTH_ISSUER: issuer,
            MEDIAGATE_PUBLIC_URL: "https://media.example.com/mcp",
          }),
        /MEDIAGATE_PUBLIC_URL: .*must be an origin only/,
      );
      assert.throws(
        () =>
          oauthSettingsFromEnv({
            MEDIAGATE_OAUTH_ISSUER: issuer,
            MEDIAGATE_OAUTH_INTROSPECTION_URL: `${issuer}/protocol/openid-connect/token/introspect`,
          }),
        /MEDIAGATE_OAUTH_CLIENT_ID and MEDIAGATE_OAUTH_CLIENT_SECRET/,
      );
      assert.throws(
        () => oauthSettingsFromEnv({ MEDIAGATE_OAUTH_AUDIENCE: "api://mediagate" }),
        /needs MEDIAGATE_OAUTH_ISSUER/,
      );
      const settings = oauthSettingsFromEnv({
        MEDIAGATE_OAUTH_ISSUER: issuer,
        MEDIAGATE_PUBLIC_URL: "https://media.example.com/",
        MEDIAGATE_OAUTH_READ_SCOPE: "api://mediagate/mediagate.read",
      });
      assert.equal(settings?.publicUrl, "https://media.example.com");
      assert.equal(settings?.readScope, "api://mediagate/mediagate.read");
      assert.equal(settings?.writeScope, "mediagate:write");
    });

    test("an issuer over plain http to another host is refused", async () => {
      const run = await runCli(
        ["--http", "--port", "0"],
        cleanEnv({ ...sandbox.env(), MEDIAGATE_OAUTH_ISSUER: "http://auth.example.com" }),
      );
      assert.equal(run.code, 2);
      assert.match(run.stderr, /MEDIAGATE_OAUTH_ISSUER: .*https:\/\//);
    });
  });
});

describe("key rotation at the authorization server", () => {
  test("a token signed with a new key is accepted without a restart once 30 s have passed since the keys were last fetched", async (t) => {
    const oldKey = await signingKey("2026-old");
    const newKey = await signingKey("2026-new");
    const issuer = await startMinimalAuthorizationServer([oldKey]);
    const sandbox = await startSandbox({ basePaths: testBasePaths });
    configureLog("silent", []);
    const runtime = createRuntime(await loadSettings(sandbox.env(), { http: true }));
    const oauth = oauthSettingsFromEnv({ MEDIAGATE_OAUTH_ISSUER: issuer.issuer });
    // The cooldown is measured on the clock: moved by hand, so the test waits for no real 30 s.
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    const server = await startHttpServer({
      host: "127.0.0.1",
      port: 0,
      oauth,
      createServer: (access) => createServer(runtime, access),
    });
    t.after(async () => {
      await server.close(0);
      await issuer.close();
      await sandbox.close();
    });
    const claims = { iss: issuer.issuer, aud: server.url, sub: "alice", scope: "mediagate:write" };
    const status = async (key: SigningKey) => {
      const response = await postMcp(server.url, initialize, await mintToken(key, claims));
      await response.body?.cancel();
      return response.status;
    };

    assert.equal(await status(oldKey), 200);
    assert.equal(issuer.jwksFetches(), 1);

    issuer.publish([newKey]);
    assert.equal(await status(newKey), 401, "a new key within 30 s of the last fetch");
    assert.equal(issuer.jwksFetches(), 1, "an unknown kid within the cooldown fetched the keys again");

    t.mock.timers.tick(30_001);
    assert.equal(await status(newKey), 200, "the new key after the cooldown");
    assert.equal(issuer.jwksFetches(), 2);
    assert.equal(await status(oldKey), 401, "the retired key");
  });
});
