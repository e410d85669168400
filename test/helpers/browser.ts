import { type Browser, chromium } from "playwright-core";

/** Points the browser tests at a local Chromium or Chrome where the bundled one does not run. */
export const CHROMIUM_VARIABLE = "MEDIAGATE_TEST_CHROMIUM";

/**
 * Headless Chromium: the one @sparticuz/chromium unpacks (Linux x64), or the executable named by
 * MEDIAGATE_TEST_CHROMIUM. Never skips: a browser that cannot start fails the test with what to set.
 */
export async function launchChromium(): Promise<Browser> {
  const local = process.env[CHROMIUM_VARIABLE];
  let executablePath: string;
  let args: string[] = [];
  if (local) {
    executablePath = local;
  } else {
    if (process.platform !== "linux" || process.arch !== "x64") {
      throw new Error(
        `The browser tests' Chromium (@sparticuz/chromium) runs on Linux x64 only, not ${process.platform}-${process.arch}: set ${CHROMIUM_VARIABLE} to a local Chromium or Chrome executable.`,
      );
    }
    const bundled = (await import("@sparticuz/chromium")).default;
    executablePath = await bundled.executablePath();
    // Its defaults are for scraping in a lambda; the tests need the web's security model intact.
    args = bundled.args.filter(
      (arg) =>
        !/^--(disable-web-security|allow-running-insecure-content|disable-site-isolation-trials)/.test(arg),
    );
  }
  try {
    return await chromium.launch({
      executablePath,
      args: [
        ...args,
        "--autoplay-policy=no-user-gesture-required",
        "--host-resolver-rules=MAP mediagate-view.test 127.0.0.1",
      ],
      headless: true,
    });
  } catch (error) {
    throw new Error(
      `Chromium did not start (${(error as Error).message.split("\n")[0]}): set ${CHROMIUM_VARIABLE} to a local Chromium or Chrome executable.`,
    );
  }
}
