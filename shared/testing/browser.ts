import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { describe, it } from "vitest";

/** Debian's chromium: the tests drive it and never download a browser of their own. */
export const CHROMIUM = "/usr/bin/chromium";
const inCi = process.env.CI === "true" || process.env.CI === "1";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * describe() for a suite that drives Chromium. Without it the suite skips, saying so, except under
 * CI=true, where a missing browser fails the run instead of hiding behind a skip.
 */
export function describeWithChromium(name: string, suite: () => void): void {
  if (existsSync(CHROMIUM)) describe(name, suite);
  else if (inCi) {
    describe(name, () => {
      it(`needs ${CHROMIUM}`, () => {
        throw new Error(`CI=true and ${CHROMIUM} is missing: the browser test must not skip in CI`);
      });
    });
  } else {
    console.warn(`SKIPPING "${name}": ${CHROMIUM} not found (apt-get install chromium)`);
    describe.skip(`${name} [skipped: ${CHROMIUM} not found]`, suite);
  }
}
