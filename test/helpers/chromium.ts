// Headless Chromium (Debian's `chromium`, driven by playwright-core: no browser download)
// for tests that look at what a person sees: a card file, the web UI. `.ci/run` installs it.
//
//   describe("…", { skip: chromiumUnavailable() }, …)   // a skip reason if not installed, unless CI=true
//   const browser = await launchChromium();
//   after(() => browser?.close());
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Why browser tests are skipped, or undefined when Chromium is installed. Under CI=true a missing browser throws. */
export function chromiumUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  const why = `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
  if (process.env.CI === "true") throw new Error(`${why}; CI needs it: .ci/run installs it`);
  return why;
}

/**
 * Chromium with everything of its own that could reach the network turned off (QUIC,
 * sync, component updates, background requests): the only pages it opens are file:,
 * data: and the tests' own loopback servers.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
