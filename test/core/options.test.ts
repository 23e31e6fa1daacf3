// Configuration errors are caught at creation, with a stable code and a
// message that says what to change and never repeats the secret.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, SecretError, createSessions, type SessionOptions } from "sessionkit";

const GOOD = "g".repeat(40);

function rejects(options: SessionOptions, code: string, option?: string): void {
  assert.throws(
    () => createSessions(options),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.code, code);
      if (option) assert.equal(e.option, option);
      for (const s of [options.secret, ...(options.secrets ?? [])]) {
        if (typeof s === "string" && s.length > 3) assert.ok(!e.message.includes(s), "the message repeats the secret");
      }
      return true;
    },
  );
}

test("a missing or empty secret is refused at creation (G.40)", () => {
  rejects({}, "SECRET_MISSING", "secret");
  rejects({ secret: "" }, "SECRET_MISSING");
  rejects({ secrets: [] }, "SECRET_MISSING");
  rejects({ secrets: [GOOD, ""] }, "SECRET_MISSING");
});

test("short and placeholder secrets are refused in the signed and encrypted formats (G.41)", () => {
  rejects({ secret: "keyboard cat" }, "SECRET_WEAK");
  rejects({ secret: "short-but-not-placeholder", format: "encrypted" }, "SECRET_WEAK");
  rejects({ secrets: [GOOD, "tooshort"] }, "SECRET_WEAK");
  assert.ok(createSessions({ secret: "tooshort", allowWeakSecret: true }));
});

test("the flask format accepts a short Flask key with a warning, once", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  createSessions({ secret: "dev-key", format: "flask" });
  createSessions({ secret: "dev-key2", format: "flask" });
  await new Promise((r) => setImmediate(r));
  process.off("warning", onWarning);
  assert.equal(warnings.filter((w) => w.includes("shorter than 32 bytes")).length, 1);
  assert.ok(!warnings.some((w) => w.includes("dev-key")));
});

test("cookie prefix and attribute rules are checked at creation (E.26, E.27)", () => {
  rejects({ secret: GOOD, cookie: { name: "__Host-s", secure: false } }, "CONFIG_INVALID", "cookie.secure");
  rejects({ secret: GOOD, cookie: { name: "__Host-s", path: "/app" } }, "CONFIG_INVALID", "cookie.name");
  rejects({ secret: GOOD, cookie: { name: "__Host-s", domain: "example.com" } }, "CONFIG_INVALID", "cookie.name");
  rejects({ secret: GOOD, cookie: { name: "__Secure-s", secure: false } }, "CONFIG_INVALID", "cookie.secure");
  rejects({ secret: GOOD, cookie: { sameSite: "none", secure: false } }, "CONFIG_INVALID", "cookie.secure");
  rejects({ secret: GOOD, cookie: { partitioned: true, secure: false } }, "CONFIG_INVALID", "cookie.secure");
  for (const name of ["a;b", "a=b", "a b", "a\r\nb", "caf\u00e9", ""]) rejects({ secret: GOOD, cookie: { name } }, "CONFIG_INVALID", "cookie.name");
  for (const path of ["/a;b", "/a\nb", "relative"]) rejects({ secret: GOOD, cookie: { path } }, "CONFIG_INVALID", "cookie.path");
  rejects({ secret: GOOD, cookie: { domain: "a.com; Secure" } }, "CONFIG_INVALID", "cookie.domain");
  rejects({ secret: GOOD, cookie: { sameSite: "sometimes" as never } }, "CONFIG_INVALID", "cookie.sameSite");
});

test("durations and numbers are checked", () => {
  rejects({ secret: GOOD, lifetime: "soon" as never }, "CONFIG_INVALID", "lifetime");
  rejects({ secret: GOOD, lifetime: -1 }, "CONFIG_INVALID", "lifetime");
  rejects({ secret: GOOD, idleTimeout: "0s" }, "CONFIG_INVALID", "idleTimeout");
  rejects({ secret: GOOD, touchAfter: 2 }, "CONFIG_INVALID", "touchAfter");
  rejects({ secret: GOOD, format: "jwt" as never }, "CONFIG_INVALID", "format");
  rejects({ secret: GOOD, store: {} as never }, "CONFIG_INVALID", "store");
  const s = createSessions({ secret: GOOD, lifetime: "2h", idleTimeout: "15m", absoluteTimeout: "1d" });
  assert.equal(s.options.lifetimeSeconds, 7200);
  assert.equal(s.options.idleTimeoutSeconds, 900);
  assert.equal(s.options.absoluteTimeoutSeconds, 86_400);
  assert.ok(Object.isFrozen(s.options) && Object.isFrozen(s.options.cookie));
});

test("SecretError is a ConfigError", () => {
  assert.ok(new SecretError("SECRET_WEAK", "x") instanceof ConfigError);
});
