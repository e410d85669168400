import { cancelledError, MediagateError } from "../../errors.js";
import { log } from "../../log.js";
import type { Authenticator, SendUnauthenticated } from "../../types.js";
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

/** Waits for `shared` unless `signal` aborts first: then rejects as a cancelled call, leaving `shared` running. */
function untilSettledOrAborted<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return shared;
  if (signal.aborted)
    return Promise.reject(cancelledError("the token exchange goes on for other calls", "AI Studios"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError("the token exchange goes on for other calls", "AI Studios"));
    signal.addEventListener("abort", onAbort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * appId + userKey exchanged at `POST /api/odin/v3/auth/token` for a token, cached until shortly before it
 * expires; concurrent calls share one exchange; a token the provider refuses is dropped and fetched anew.
 * The shared exchange belongs to no call: it runs under its own time limit (the one `send` gives each
 * request), not the signal or deadline of whichever call started it, and each call waits for it only as long
 * as its own signal allows. One call cancelled never fails the others.
 */
export function tokenExchange(appId: string, userKey: string): Authenticator {
  let token: string | undefined;
  let expiresAt = 0;
  let pending: Promise<string> | undefined;
  const exchange = async (send: SendUnauthenticated, logSignal: AbortSignal | undefined): Promise<string> => {
    log(
      "info",
      token ? "refreshing the AI Studios token" : "exchanging the AI Studios app id and user key for a token",
      { provider: "aistudios" },
      logSignal,
    );
    try {
      const data = asRecord(
        await send({ method: "POST", path: "/api/odin/v3/auth/token", json: { appId, userKey }, safe: true }),
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
  };
  return {
    async headers(send, signal) {
      if (!token || Date.now() >= expiresAt - refreshMarginMs) {
        if (pending) {
          log(
            "debug",
            "waiting for the AI Studios token exchange under way",
            { provider: "aistudios" },
            signal,
          );
        } else {
          // The first caller's signal only routes the exchange's log line to its client.
          pending = exchange(send, signal);
        }
        return { authorization: await untilSettledOrAborted(pending, signal) };
      }
      return { authorization: token };
    },
    invalidate() {
      token = undefined;
      expiresAt = 0;
    },
  };
}
