import assert from "node:assert/strict";
import { test } from "node:test";
import { CHROMIUM_VARIABLE, launchChromium } from "./helpers/browser.js";

test("a browser that cannot start fails the browser tests and names the variable to set", async () => {
  const saved = process.env[CHROMIUM_VARIABLE];
  process.env[CHROMIUM_VARIABLE] = "/nonexistent/chromium";
  try {
    await assert.rejects(launchChromium(), (error: Error) => {
      assert.match(error.message, /Chromium did not start/);
      assert.match(error.message, new RegExp(`set ${CHROMIUM_VARIABLE} to a local Chromium or Chrome`));
      return true;
    });
  } finally {
    if (saved === undefined) delete process.env[CHROMIUM_VARIABLE];
    else process.env[CHROMIUM_VARIABLE] = saved;
  }
});
