import { existsSync } from "node:fs";
import type { Browser } from "playwright-core";

/** Debian's chromium, driven headless by playwright-core (no browser download). */
export const CHROMIUM = "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can. With CI=true a missing browser is a failure, not a skip. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const why = `${CHROMIUM} is missing: apt-get install -y chromium`;
  if (process.env.CI === "true") throw new Error(`CI=true: ${why}`);
  return why;
}

/** Headless Chromium with no network of its own: no QUIC, sync, component updates or background requests. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
