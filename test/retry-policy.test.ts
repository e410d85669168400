import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { defaultRetryPolicy, parseRetryAfter, type RetryPolicy, retryDelay } from "../src/client/retry.js";

const always = (value: number) => () => value;

describe("retryDelay", () => {
  it("does not retry POST (a request not safe to repeat)", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      assert.equal(retryDelay({ status }, 1, false), undefined, `status ${status}`);
    }
    assert.equal(retryDelay({}, 1, false), undefined, "network error");
    assert.equal(retryDelay({ status: 429, retryAfterMs: 10 }, 1, false), undefined, "even with Retry-After");
  });

  it("retries the transient statuses 408, 429, 500, 502, 503 and 504 on a safe request", () => {
    for (const status of [408, 429, 500, 502, 503, 504]) {
      assert.notEqual(retryDelay({ status }, 1, true), undefined, `status ${status}`);
    }
  });

  it("retries a network error or timeout (no status) on a safe request", () => {
    assert.notEqual(retryDelay({}, 1, true), undefined);
  });

  it("should not retry on a 400 error, nor on 401, 403, 404, 409, 413 or 501", () => {
    for (const status of [400, 401, 403, 404, 409, 413, 422, 501]) {
      assert.equal(retryDelay({ status }, 1, true), undefined, `status ${status}`);
    }
  });

  it("gives up after the limit: attempts 1 and 2 are retried, attempt 3 is the last", () => {
    assert.equal(defaultRetryPolicy.limit, 2);
    assert.notEqual(retryDelay({ status: 503 }, 1, true), undefined);
    assert.notEqual(retryDelay({ status: 503 }, 2, true), undefined);
    assert.equal(retryDelay({ status: 503 }, 3, true), undefined);
  });

  it("honours a custom limit", () => {
    const policy: RetryPolicy = { ...defaultRetryPolicy, limit: 0 };
    assert.equal(retryDelay({ status: 503 }, 1, true, policy), undefined);
  });

  it("no jitter when Retry-After is present: the delay is exactly what the provider asked for", () => {
    for (const random of [0, 0.5, 0.999]) {
      assert.equal(
        retryDelay({ status: 429, retryAfterMs: 1500 }, 1, true, defaultRetryPolicy, always(random)),
        1500,
      );
      assert.equal(
        retryDelay({ status: 503, retryAfterMs: 2000 }, 2, true, defaultRetryPolicy, always(random)),
        2000,
      );
    }
  });

  it("honours Retry-After of zero as an immediate retry", () => {
    assert.equal(retryDelay({ status: 429, retryAfterMs: 0 }, 1, true), 0);
  });

  it("ignores Retry-After on statuses that do not carry it (500, 502, 504): normal backoff", () => {
    const delay = retryDelay({ status: 500, retryAfterMs: 20_000 }, 1, true, defaultRetryPolicy, always(1));
    assert.equal(delay, defaultRetryPolicy.baseDelayMs);
  });

  it("gives up rather than wait longer than maxRetryAfterMs", () => {
    const tooLong = defaultRetryPolicy.maxRetryAfterMs + 1;
    assert.equal(retryDelay({ status: 429, retryAfterMs: tooLong }, 1, true), undefined);
    assert.equal(
      retryDelay({ status: 429, retryAfterMs: defaultRetryPolicy.maxRetryAfterMs }, 1, true),
      defaultRetryPolicy.maxRetryAfterMs,
    );
  });

  it("backs off exponentially, with jitter between half and all of the ceiling", () => {
    const { baseDelayMs } = defaultRetryPolicy;
    assert.equal(retryDelay({ status: 503 }, 1, true, defaultRetryPolicy, always(0)), baseDelayMs / 2);
    assert.equal(retryDelay({ status: 503 }, 1, true, defaultRetryPolicy, always(1)), baseDelayMs);
    assert.equal(retryDelay({ status: 503 }, 2, true, defaultRetryPolicy, always(1)), baseDelayMs * 2);
    assert.equal(retryDelay({ status: 503 }, 2, true, defaultRetryPolicy, always(0)), baseDelayMs);
  });

  it("jitter spreads retries: different random draws give different delays", () => {
    const low = retryDelay({ status: 503 }, 2, true, defaultRetryPolicy, always(0.1));
    const high = retryDelay({ status: 503 }, 2, true, defaultRetryPolicy, always(0.9));
    assert.ok(low !== undefined && high !== undefined && low < high);
  });

  it("caps the backoff at maxDelayMs", () => {
    const policy: RetryPolicy = { ...defaultRetryPolicy, limit: 20 };
    assert.equal(retryDelay({ status: 503 }, 15, true, policy, always(1)), policy.maxDelayMs);
    assert.equal(retryDelay({}, 15, true, policy, always(0)), policy.maxDelayMs / 2);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2025-01-01T00:00:00Z");

  it("reads Retry-After in seconds", () => {
    assert.equal(parseRetryAfter({ "retry-after": "2" }, now), 2000);
    assert.equal(parseRetryAfter({ "retry-after": " 0 " }, now), 0);
    assert.equal(parseRetryAfter({ "retry-after": "1.5" }, now), 1500);
  });

  it("reads Retry-After as an HTTP date", () => {
    assert.equal(parseRetryAfter({ "retry-after": "Wed, 01 Jan 2025 00:00:03 GMT" }, now), 3000);
  });

  it("reads a date in the past as no wait", () => {
    assert.equal(parseRetryAfter({ "retry-after": "Tue, 31 Dec 2024 23:59:00 GMT" }, now), 0);
  });

  it("reads AIOZ's X-RateLimit-Retry-After in seconds", () => {
    assert.equal(parseRetryAfter({ "x-ratelimit-retry-after": "4" }, now), 4000);
  });

  it("prefers Retry-After to X-RateLimit-Retry-After", () => {
    assert.equal(parseRetryAfter({ "retry-after": "1", "x-ratelimit-retry-after": "9" }, now), 1000);
  });

  it("takes the first of repeated headers", () => {
    assert.equal(parseRetryAfter({ "retry-after": ["3", "7"] }, now), 3000);
  });

  it("returns undefined when neither header is present or both are empty", () => {
    assert.equal(parseRetryAfter({}, now), undefined);
    assert.equal(parseRetryAfter({ "retry-after": "" }, now), undefined);
    assert.equal(parseRetryAfter({ "retry-after": undefined }, now), undefined);
  });

  it("a malformed Retry-After only loses its timing (no value, so the normal backoff applies)", () => {
    for (const value of ["soon", "-1", "abc 5", "1.5.3", "12abc", "0x10", "1e3", "NaN", "Infinity"]) {
      assert.equal(parseRetryAfter({ "retry-after": value }, now), undefined, `Retry-After: ${value}`);
    }
  });

  it("a malformed Retry-After falls back to a valid X-RateLimit-Retry-After", () => {
    assert.equal(parseRetryAfter({ "retry-after": "later", "x-ratelimit-retry-after": "2" }, now), 2000);
  });

  it("with a malformed Retry-After, the retry still happens with the normal backoff", () => {
    const retryAfterMs = parseRetryAfter({ "retry-after": "-1" }, now);
    const delay = retryDelay(
      { status: 429, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      1,
      true,
      defaultRetryPolicy,
      always(1),
    );
    assert.equal(delay, defaultRetryPolicy.baseDelayMs);
  });
});
