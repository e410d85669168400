import { MediagateError } from "../../client/errors.js";
import { asNumber, asRecord, asString } from "../envelope.js";
import type { Authenticator } from "../types.js";

/** Tokens live 24 h; refresh this long before they expire. */
const refreshMarginMs = 5 * 60 * 1000;
const defaultLifetimeMs = 24 * 60 * 60 * 1000;

/**
 * appId + userKey exchanged at `POST /api/odin/v3/auth/token` for a token, cached until shortly before it
 * expires; concurrent calls share one exchange; a token the provider refuses is dropped and fetched anew.
 */
export function tokenExchange(appId: string, userKey: string): Authenticator {
  let token: string | undefined;
  let expiresAt = 0;
  let pending: Promise<string> | undefined;
  return {
    async headers(send, signal) {
      if (!token || Date.now() >= expiresAt - refreshMarginMs) {
        pending ??= (async () => {
          try {
            const data = asRecord(
              await send({
                method: "POST",
                path: "/api/odin/v3/auth/token",
                json: { appId, userKey },
                safe: true,
                ...(signal ? { signal } : {}),
              }),
            );
            const fresh = asString(data.token);
            if (!fresh) {
              throw new MediagateError("bad_response", "token exchange answered without a token", {
                provider: "AI Studios",
              });
            }
            const expire = asNumber(data.expire);
            // `expire` is a Unix time in seconds when given.
            expiresAt = expire && expire > 1e9 ? expire * 1000 : Date.now() + defaultLifetimeMs;
            token = fresh;
            return fresh;
          } finally {
            pending = undefined;
          }
        })();
        await pending;
      }
      return { authorization: token as string };
    },
    invalidate() {
      token = undefined;
      expiresAt = 0;
    },
  };
}
