/**
 * The tutorial in a real browser (Debian's Chromium through playwright-core):
 * log in through the form, see the flash and the profile, check the cookie's
 * flags as the browser stored them, use the demo's buttons, log out (a form),
 * and be refused the profile. Then an attacker's page on another origin
 * (another host name, and the same host on another port, where SameSite=Lax
 * still sends the cookie) submits a login form to the tutorial: the browser
 * gets the 403 page and nobody is logged in. Each page is screenshotted into
 * test-output/screenshots/.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
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
      page.setDefaultTimeout(60_000);

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
      const value = session.value;
      const text = (await page.textContent("main")) ?? "";
      assert.ok(!text.includes(value.slice(0, 16)) && !text.includes(value.slice(-16)), "the page shows neither the id nor the cookie");
      await shot(page, "5-inspect");

      // The demo's changes are buttons (POSTs with the page's token); the browser's Origin is this site's.
      await page.goto(`${app.url}/set`);
      await Promise.all([page.waitForURL(`${app.url}/set`), page.click("main button[type=submit]")]);
      assert.equal(await page.textContent("main .status"), "Stored user = Tom and pwd = password.");
      await page.goto(`${app.url}/get`);
      assert.equal(await page.textContent(".value-user"), '"Tom"');

      await Promise.all([page.waitForURL(`${app.url}/logged-out`), page.click("nav button:has-text('Log out')")]);
      assert.equal(await page.textContent("main .status"), "Logged out");
      assert.equal((await chrome.context.cookies(app.url)).find((c) => c.name === "session"), undefined, "the logout deleted the cookie");
      await shot(page, "6-logged-out");

      const refused = await page.goto(`${app.url}/profile`);
      assert.equal(refused?.status(), 401);
      assert.match((await page.textContent(".problem")) ?? "", /Please log in first/);
      await shot(page, "7-profile-refused");
      await page.close();
    });

    test("login CSRF: an attacker's page on another origin posts a login form; the browser gets the 403 page and nobody is logged in", async () => {
      // The attacker's site: a page whose form logs whoever opens it in as the attacker, submitted on load.
      const attackerPage = (): string => `<!doctype html><title>win a prize</title>
<form id="f" method="post" action="${app.url}/login"><input name="username" value="mallory"><input name="password" value="pw"></form>
<script>document.getElementById("f").submit()</script>`;
      const attacker: Server = createServer((_req, res) => res.writeHead(200, { "Content-Type": "text/html" }).end(attackerPage()));
      await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
      const port = (attacker.address() as AddressInfo).port;
      try {
        // Another site (localhost is not 127.0.0.1), and the same host on another port: same-site, so the Lax cookie goes along.
        for (const [name, origin] of [["cross-site", `http://localhost:${port}`], ["same-site", `http://127.0.0.1:${port}`]] as const) {
          for (const visitor of ["a new visitor", "a visitor who opened the login form"]) {
            await chrome.context.clearCookies();
            const page = await chrome.context.newPage();
            page.setDefaultTimeout(60_000);
            if (visitor !== "a new visitor") await page.goto(`${app.url}/login`);
            const refused = page.waitForResponse((r) => r.url() === `${app.url}/login` && r.request().method() === "POST");
            await page.goto(`${origin}/`);
            const answer = await refused;
            assert.equal(answer.status(), 403, `${name}, ${visitor}`);
            await page.waitForURL(`${app.url}/login`);
            assert.equal(await page.textContent("h1"), "Request refused");
            if (name === "cross-site" && visitor === "a new visitor") await shot(page, "8-login-csrf-refused");
            await page.goto(`${app.url}/`);
            assert.equal(await page.textContent(".status"), "You are not logged in", `${name}, ${visitor}: not logged in as the attacker`);
            assert.equal((await page.goto(`${app.url}/profile`))?.status(), 401);
            await page.close();
          }
        }
      } finally {
        attacker.closeAllConnections();
        await new Promise<void>((resolve) => attacker.close(() => resolve()));
      }
    });

    test("remember me gives the browser a cookie that outlives it, about 31 days", async () => {
      const page = await chrome.context.newPage();
      page.setDefaultTimeout(60_000);
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
