// Debian's Chromium, headless, driven by playwright-core (which downloads no browser of its own).
// Suites using it run under describeWith(["chromium"], ...), so a machine without it skips them.
import { chromium, type Browser } from "playwright-core";
import { CHROMIUM } from "../support/system-clients.ts";

const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}
