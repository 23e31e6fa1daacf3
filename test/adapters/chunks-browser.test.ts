/**
 * Sessions bigger than one cookie in a real browser (Debian's Chromium via
 * playwright-core): Chromium stores every chunk (each within its per-cookie
 * limit) and sends them all back, the session survives round trips, shrinking
 * leaves no stale chunk in the browser's jar, and logging out leaves none.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import { after, before, describe, test } from "node:test";
import { createSessions } from "sessionkit";
import { withSessions } from "sessionkit/node";
import { serviceUnavailable, type StartedServer } from "sessionkit/testing";
import { chromiumUnavailable, launchChromium, type LaunchedBrowser } from "../helpers/browser.js";
import { listen } from "./harness.js";

const unavailable = chromiumUnavailable();
const digest = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

if (unavailable) {
  serviceUnavailable("big sessions in a real browser", unavailable);
} else {
  describe("sessions bigger than one cookie, in headless Chromium", () => {
    let server: StartedServer;
    let chrome: LaunchedBrowser;
    before(async () => {
      const sessions = createSessions<{ notes?: string }>({ secret: randomBytes(32).toString("base64url"), cookie: { maxChunks: 3 } });
      const handler = withSessions(sessions, async (req, res) => {
        const url = new URL(req.url ?? "/", "http://x");
        if (url.pathname === "/fill") {
          // Random base64 does not compress: the cookie is really this big.
          const notes = randomBytes(Number(url.searchParams.get("size"))).toString("base64").slice(0, Number(url.searchParams.get("size")));
          req.session.set("notes", notes);
          res.end(JSON.stringify({ length: notes.length, digest: digest(notes) }));
        } else if (url.pathname === "/logout") {
          await req.session.destroy();
          res.end("bye");
        } else {
          const notes = req.session.get("notes") ?? "";
          res.end(JSON.stringify({ length: notes.length, digest: digest(notes) }));
        }
      });
      server = await listen(createServer(handler));
      chrome = await launchChromium();
    });
    after(async () => {
      await chrome?.close();
      await server?.close();
    });

    const names = async (): Promise<string[]> => (await chrome.context.cookies(server.url)).map((c) => c.name).sort();

    test("a 10 KB session survives round trips, shrinks to one cookie, grows again, and logs out with no chunk left", async () => {
      const page = await chrome.context.newPage();
      page.setDefaultTimeout(15_000);
      const json = async (path: string): Promise<{ length: number; digest: string }> => {
        const response = await page.goto(server.url + path);
        assert.equal(response?.status(), 200, path);
        return JSON.parse(await page.innerText("body")) as { length: number; digest: string };
      };

      const written = await json("/fill?size=10000");
      assert.deepEqual(await names(), ["session.0", "session.1", "session.2"]);
      for (const cookie of await chrome.context.cookies(server.url)) assert.ok(cookie.name.length + cookie.value.length <= 4096);
      for (let round = 0; round < 3; round++) assert.deepEqual(await json("/"), written, `round trip ${round}`);

      const smaller = await json("/fill?size=5000");
      assert.deepEqual(await names(), ["session.0", "session.1"], "the third chunk was deleted");
      assert.deepEqual(await json("/"), smaller);

      const small = await json("/fill?size=100");
      assert.deepEqual(await names(), ["session"], "one plain cookie, no chunk left");
      assert.deepEqual(await json("/"), small);

      const again = await json("/fill?size=5000");
      assert.deepEqual(await names(), ["session.0", "session.1"], "the plain cookie was deleted");
      assert.deepEqual(await json("/"), again);

      await page.goto(server.url + "/logout");
      assert.deepEqual(await names(), [], "logging out deletes every chunk");
      assert.deepEqual(await json("/"), { length: 0, digest: digest("") });
      await page.close();
    });
  });
}
