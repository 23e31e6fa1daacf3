/**
 * The tutorial's "Your devices" page in two real browsers (Debian's Chromium
 * through playwright-core, each on its own profile and with its own
 * User-Agent): both log in as the same user, the first sees both rows (its
 * own marked "this device"), logs the other out with the row's button (a
 * POST carrying the CSRF token), and the other browser's next request is
 * logged out. Screenshots go to test-output/screenshots/.
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
const LAPTOP = "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
const PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
const unavailable = chromiumUnavailable();

if (unavailable) {
  serviceUnavailable("tutorial's devices page in a real browser", unavailable);
} else {
  describe("tutorial: Your devices, in two headless Chromiums", () => {
    const dir = mkdtempSync(join(tmpdir(), "sk-tutorial-devices-"));
    let app: RunningTutorial;
    let laptop: LaunchedBrowser;
    let phone: LaunchedBrowser;
    before(async () => {
      mkdirSync(SHOTS, { recursive: true });
      const env = { SECRET_KEY: "tutorial-devices-test-secret-0123456789abcd", SESSION_STORE: `sqlite:${join(dir, "devices.db")}` };
      app = await startTutorial({ ...readConfig(env), port: 0 });
      laptop = await launchChromium();
      phone = await launchChromium();
      await laptop.context.setExtraHTTPHeaders({ "User-Agent": LAPTOP });
      await phone.context.setExtraHTTPHeaders({ "User-Agent": PHONE });
    });
    after(async () => {
      await laptop?.close();
      await phone?.close();
      await app?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function logIn(page: Page): Promise<void> {
      await page.goto(`${app.url}/login`);
      await page.fill("input[name=username]", "dana@example.com");
      await page.fill("input[name=password]", "correct horse");
      await Promise.all([page.waitForURL(`${app.url}/`), page.click("main button[type=submit]")]);
      assert.equal((await page.textContent(".status"))?.trim(), "Logged in as dana@example.com");
    }

    const rows = async (page: Page): Promise<string[]> =>
      (await page.locator("table.devices tbody tr").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim());

    test("both devices are listed, the laptop logs the phone out, and the phone's next request is logged out", async () => {
      const onLaptop = await laptop.context.newPage();
      const onPhone = await phone.context.newPage();
      onLaptop.setDefaultTimeout(60_000);
      onPhone.setDefaultTimeout(60_000);
      await logIn(onLaptop);
      await logIn(onPhone);

      await onLaptop.goto(`${app.url}/profile`);
      await Promise.all([onLaptop.waitForURL(`${app.url}/profile/devices`), onLaptop.click("a[href='/profile/devices']")]);
      const listed = await rows(onLaptop);
      assert.equal(listed.length, 2, listed.join(" | "));
      assert.match(listed[0]!, /^Firefox on Linux \(this device\) 127\.0\.0\.0\/24 /);
      assert.match(listed[1]!, /^Safari on iOS 127\.0\.0\.0\/24 .*Log out this device$/);
      assert.equal(await onLaptop.locator("tr.current button").count(), 0, "no button on the current row");
      await onLaptop.screenshot({ path: join(SHOTS, "devices-1-both.png"), fullPage: true });

      // The phone still works before the laptop acts.
      assert.equal((await onPhone.goto(`${app.url}/profile`))?.status(), 200);

      await Promise.all([onLaptop.waitForURL(`${app.url}/profile/devices`), onLaptop.click("tr.device:not(.current) button:has-text('Log out this device')")]);
      assert.equal(await onLaptop.textContent(".flash"), "That device is logged out.");
      const left = await rows(onLaptop);
      assert.equal(left.length, 1);
      assert.match(left[0]!, /^Firefox on Linux \(this device\)/);
      await onLaptop.screenshot({ path: join(SHOTS, "devices-2-one-left.png"), fullPage: true });

      const after = await onPhone.goto(`${app.url}/profile`);
      assert.equal(after?.status(), 401, "the phone's session was ended");
      await onPhone.goto(`${app.url}/`);
      assert.equal((await onPhone.textContent(".status"))?.trim(), "You are not logged in");
      assert.equal((await onLaptop.goto(`${app.url}/profile`))?.status(), 200, "the laptop stays logged in");
    });

    test("a forged form (another session's id hash, no CSRF token) ends nothing", async () => {
      const page = await laptop.context.newPage();
      await page.goto(`${app.url}/profile/devices`);
      const status = await page.evaluate(async (url) => {
        const body = new URLSearchParams({ idHash: "A".repeat(43) });
        return (await fetch(url, { method: "POST", body })).status;
      }, `${app.url}/profile/devices/logout`);
      assert.equal(status, 403, "csrfProtection refuses a POST without the token");
      assert.equal((await rows(page)).length, 1);
    });
  });
}
