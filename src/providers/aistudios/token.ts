import { MediagateError } from "../../errors.js";
import { log } from "../../log.js";
import type { Authenticator } from "../../types.js";
import { asNumber, asRecord, asString } from "../envelope.js";

/** Tokens live 24 h; refresh this long before they expire. */
const refreshMarginMs = 5 * 60 * 1000;
const defaultLifetimeMs = 24 * 60 * 60 * 1000;

/**
 * When a token from the exchange expires, in ms since the epoch: its `expire` (a Unix time, in seconds or
 * in milliseconds), never later than the documented 24 h lifetime; 24 h when `expire` is absent or unreadable.
 */
export function tokenExpiry(expire: number | undefined, now: number): number {
  const latest = now + defaultLifetimeMs;
  if (expire === undefined || expire <= 1e9) return latest;
  return Math.min(expire > 1e12 ? expire : expire * 1000, latest);
}

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
          log(
            "info",
            token
              ? "refreshing the AI Studios token"
              : "exchanging the AI Studios app id and user key for a token",
            { provider: "aistudios" },
            signal,
          );
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
            expiresAt = tokenExpiry(asNumber(data.expire), Date.now());
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
