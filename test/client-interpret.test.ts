import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Answer, type AnswerReading, interpretAnswer } from "../src/client/interpret.js";
import { defaultRetryPolicy, retryAfterFailure } from "../src/client/retry.js";
import { MediagateError } from "../src/errors.js";
import { videodb } from "../src/providers/videodb/index.js";

const reading: AnswerReading = {
  name: "VideoDB",
  unwrap: (status, body) => videodb.unwrap(status, body),
  authRemedy: "Check VIDEODB_API_KEY.",
  envelope: true,
  credentials: ["sk-secret-value"],
};

const answer = (status: number, body: unknown, headers: Answer["headers"] = {}): Answer => ({
  status,
  text: typeof body === "string" ? body : JSON.stringify(body),
  headers,
});

/** The error `interpretAnswer` throws for this answer. */
function errorOf(value: Answer, options: Partial<AnswerReading> = {}): MediagateError {
  try {
    interpretAnswer(value, { ...reading, ...options });
  } catch (error) {
    assert.ok(error instanceof MediagateError);
    return error;
  }
  assert.fail("the answer should have been an error");
}

describe("reading a provider's answer", () => {
  it("gives a successful answer's data with its envelope taken off, or whole when asked", () => {
    const ok = answer(200, { success: true, data: { id: "m-1" } });
    assert.deepEqual(interpretAnswer(ok, reading), { id: "m-1" });
    assert.deepEqual(interpretAnswer(ok, { ...reading, envelope: false }), {
      success: true,
      data: { id: "m-1" },
    });
  });

  it("takes 204 No Content as a whole answer without data", () => {
    assert.equal(interpretAnswer(answer(204, ""), reading), undefined);
  });

  it("names the status, the provider's own message and the remedy, with the credentials redacted", () => {
    const error = errorOf(answer(401, { success: false, message: "bad key sk-secret-value" }));
    assert.equal(error.kind, "auth");
    assert.equal(error.status, 401);
    assert.equal(error.providerMessage, "bad key [redacted]");
    assert.equal(error.remedy, "Check VIDEODB_API_KEY.");
  });

  it("carries Retry-After on a 503, and the rate limit's wait in its remedy on a 429", () => {
    assert.equal(errorOf(answer(503, "down", { "retry-after": "2" })).retryAfterMs, 2000);
    const limited = errorOf(answer(429, { success: false, message: "slow down" }, { "retry-after": "3" }));
    assert.equal(limited.kind, "rate_limited");
    assert.equal(limited.remedy, "Rate limited: call again after 3 s.");
  });

  it("calls an empty or malformed successful answer a bad response", () => {
    assert.equal(errorOf(answer(200, "")).kind, "bad_response");
    assert.equal(errorOf(answer(200, "{not json")).kind, "bad_response");
  });

  it("refuses an envelope that says it failed even with HTTP 200", () => {
    const error = errorOf(answer(200, { success: false, message: "no such collection" }));
    assert.equal(error.kind, "rejected");
    assert.equal(error.providerMessage, "no such collection");
  });
});

describe("the retry decision", () => {
  const failure = (status: number, retryAfterMs?: number) =>
    new MediagateError("unavailable", "x", {
      status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });

  it("does not retry a 413, whatever its Retry-After says", () => {
    assert.ok(!defaultRetryPolicy.afterStatuses.has(413));
    assert.equal(retryAfterFailure(failure(413, 1000), 1, true, 60_000), undefined);
  });

  it("waits a 503's Retry-After, without jitter", () => {
    assert.equal(retryAfterFailure(failure(503, 1500), 1, true, 60_000), 1500);
  });

  it("gives up when the wait would leave the next attempt no time", () => {
    assert.equal(retryAfterFailure(failure(503, 1500), 1, true, 1000), undefined);
  });

  it("never retries bad input, a cancellation, or an error that is not mediagate's", () => {
    assert.equal(retryAfterFailure(new MediagateError("invalid_input", "x"), 1, true, 60_000), undefined);
    assert.equal(retryAfterFailure(new MediagateError("cancelled", "x"), 1, true, 60_000), undefined);
    assert.equal(retryAfterFailure(new Error("x"), 1, true, 60_000), undefined);
  });

  it("retries a network error on a request safe to repeat, and not on one that is not", () => {
    const network = new MediagateError("network", "could not reach");
    assert.equal(typeof retryAfterFailure(network, 1, true, 60_000), "number");
    assert.equal(retryAfterFailure(network, 1, false, 60_000), undefined);
  });
});
