/**
 * The tutorial in a real browser (Debian's Chromium through playwright-core):
 * log in through the form, see the flash and the profile, check the cookie's
 * flags as the browser stored them, log out, and be refused the profile.
 * Each page is screenshotted into test-output/screenshots/.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { serviceUnavailable } from "sessionkit/testing";
import { readConfig } from "../../examples/tutorial/config.js";
import { startTutorial, type RunningTutorial } from "../../examples/tutorial/server.js";
import { chromiumUnavailable, launchChromium, type LaunchedBrowser } from "../helpers/browser.js";

const SHOTS = new URL("../../test-output/screenshots/", import.meta.url).pathname;
const unavailable = chromiumUnavailable();

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

if (unavailable) {
  serviceUnavailable("tutorial in a real browser", unavailable);
} else {
  describe("tutorial in headless Chromium", () => {
    const dir = mkdtempSync(join(tmpdir(), "sk-tutorial-browser-"));
    let app: RunningTutorial;
    let chrome: LaunchedBrowser;
    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      // The store `npm start` uses by default: SQLite in a file.
      const env = { SECRET_KEY: "tutorial-browser-test-secret-0123456789abc", SESSION_STORE: `sqlite:${join(dir, "browser.db")}` };
      app = await startTutorial({ ...readConfig(env), port: 0 });
      chrome = await launchChromium();
    });
    after(async () => {
      await chrome?.close();
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test("log in through the form, see the profile and the flash, log out, and be refused the profile", async () => {
      const page = await chrome.context.newPage();
      page.setDefaultTimeout(15_000);

      const home = await page.goto(`${app.url}/`);
      assert.equal(home?.status(), 200);
      assert.equal(await page.textContent(".status"), "You are not logged in");
      await shot(page, "1-home");

      await page.click("main a[href='/login']");
      await page.waitForURL(`${app.url}/login`);
      await shot(page, "2-login");
      await page.fill("input[name=username]", "alice@example.com");
      await page.fill("input[name=password]", "correct horse");
      await Promise.all([page.waitForURL(`${app.url}/`), page.click("button[type=submit]")]);
      assert.equal(await page.textContent(".flash"), "Logged in");
      assert.equal((await page.textContent(".status"))?.trim(), "Logged in as alice@example.com");
      await shot(page, "3-logged-in");

      // The browser's own view of the cookie: HttpOnly (scripts cannot read it) and SameSite=Lax.
      const cookies = await chrome.context.cookies(app.url);
      const session = cookies.find((c) => c.name === "session");
      assert.ok(session, "the browser stored the session cookie");
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, "Lax");
      assert.equal(session.path, "/");
      assert.equal(session.expires, -1, "without remember me it is a browser-session cookie");
      assert.equal(await page.evaluate(() => document.cookie), "", "page scripts cannot see an HttpOnly cookie");

      const profile = await page.goto(`${app.url}/profile`);
      assert.equal(profile?.status(), 200);
      assert.equal(await page.textContent(".username"), "alice@example.com");
      assert.equal(await page.locator(".flash").count(), 0, "the flash was shown once");
      await shot(page, "4-profile");

      await page.goto(`${app.url}/inspect`);
      assert.match((await page.textContent(".accepted")) ?? "", /^yes/);
      await shot(page, "5-inspect");

      await Promise.all([page.waitForURL(`${app.url}/`), page.click("nav a[href='/logout']")]);
      assert.equal(await page.textContent(".flash"), "Logged out");
      assert.equal(await page.textContent(".status"), "You are not logged in");
      await shot(page, "6-logged-out");

      const refused = await page.goto(`${app.url}/profile`);
      assert.equal(refused?.status(), 401);
      assert.match((await page.textContent(".problem")) ?? "", /Please log in first/);
      await shot(page, "7-profile-refused");
      await page.close();
    });

    test("remember me gives the browser a cookie that outlives it, about 31 days", async () => {
      const page = await chrome.context.newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(`${app.url}/login`);
      await page.fill("input[name=username]", "bob");
      await page.fill("input[name=password]", "pw");
      await page.check("input[name=remember]");
      await Promise.all([page.waitForURL(`${app.url}/`), page.click("button[type=submit]")]);
      const session = (await chrome.context.cookies(app.url)).find((c) => c.name === "session");
      assert.ok(session);
      const days = (session.expires * 1000 - Date.now()) / 86_400_000;
      assert.ok(days > 30.9 && days <= 31.01, `expires in ${days.toFixed(2)} days`);
      await page.close();
    });
  });
}
