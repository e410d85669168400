import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tokenExpiry } from "../src/providers/aistudios/token.js";

const now = Date.UTC(2025, 0, 1);
const day = 24 * 60 * 60 * 1000;

describe("AI Studios token expiry", () => {
  it("reads expire as a Unix time in seconds", () => {
    assert.equal(tokenExpiry(now / 1000 + 3600, now), now + 3600 * 1000);
  });

  it("reads expire as a Unix time in milliseconds, rather than caching the token for ever", () => {
    assert.equal(tokenExpiry(now + 3600 * 1000, now), now + 3600 * 1000);
  });

  it("keeps a token no longer than its documented 24 h lifetime", () => {
    assert.equal(tokenExpiry(now / 1000 + 7 * 24 * 3600, now), now + day);
  });

  it("takes 24 h when expire is absent or not a time", () => {
    assert.equal(tokenExpiry(undefined, now), now + day);
    assert.equal(tokenExpiry(86400, now), now + day);
  });
});
