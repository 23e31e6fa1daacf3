/**
 * A real headless Chromium for browser tests: Debian's `chromium` package
 * driven by playwright-core (no downloaded browser). The flags keep it from
 * phoning home: on this network Chromium's background connections are
 * refused, and without these flags it stalls on them.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

/**
 * Where Debian (and CI's `apt-get install chromium`) puts the browser; `CHROMIUM_PATH` overrides it.
 *
 * @example
 * existsSync(CHROMIUM_PATH);
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Why Chromium cannot run here, or undefined when it can.
 *
 * @example
 * const reason = chromiumUnavailable(); if (reason) serviceUnavailable("browser test", reason);
 */
export function chromiumUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `${CHROMIUM_PATH} is not installed (apt-get install chromium)`;
}

/**
 * A launched browser: one persistent context on a throwaway profile.
 *
 * @example
 * const chrome: LaunchedBrowser = await launchChromium(); await chrome.close();
 */
export interface LaunchedBrowser {
  /** The browser's context: its own cookie jar, on the fresh profile. */
  context: BrowserContext;
  /** Close the browser and delete the profile directory. */
  close(): Promise<void>;
}

/**
 * Launch headless Chromium on a fresh profile (`--user-data-dir`, which
 * playwright takes as `launchPersistentContext`'s first argument).
 *
 * @example
 * const chrome = await launchChromium();
 * const page = await chrome.context.newPage();
 * await chrome.close();
 */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const profile = mkdtempSync(join(tmpdir(), "sk-chromium-"));
  const args = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage", // small /dev/shm in containers crashes tabs
  ];
  // Chromium refuses to start as root with its sandbox on; CI containers run as root.
  if (process.getuid?.() === 0) args.push("--no-sandbox");
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args,
      timeout: 60_000,
      viewport: { width: 900, height: 640 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
