/**
 * The CSRF check's rule, model-based: fast-check generates requests (method,
 * Origin, Sec-Fetch-Site, the session's secret or none, a token of any kind
 * in the header, the form or both, the options) and each verdict of
 * `checkCsrf` must equal the rule written out below as a flat table, which
 * shares no code with the implementation (test/helpers/csrf-model.ts). Named scenarios (login CSRF, a
 * stale page, a sibling subdomain) pin the cases that matter by hand; the
 * options and `requestOrigin` are checked at their edges. Core only: the
 * same rule on the wire, on all six adapters, is csrf.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { maskCsrfToken, newCsrfSecret } from "../../src/core/csrf-token.js";
import { sessionInternals } from "../../src/core/session.js";
import { expectedVerdict, type CsrfCase, type TokenKind } from "../helpers/csrf-model.js";
import { ConfigError, CsrfError, RESERVED_KEYS, Session, checkCsrf, requestOrigin, resolveCsrfOptions, type CsrfRefusal } from "../../src/index.js";

const OWN = "https://app.test";
const PARTNER = "https://partner.test";

/** A session holding `secret` (or none), built the way a mode builds one. */
function sessionWith(secret: string | undefined): Session {
  const data = Object.create(null) as Record<string, unknown>;
  data.user = "ada";
  if (secret !== undefined) data[RESERVED_KEYS.csrf] = secret;
  return new Session(data, false);
}

type Case = CsrfCase;

const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  method: fc.constantFrom("GET", "HEAD", "OPTIONS", "TRACE", "POST", "PUT", "PATCH", "DELETE", "get", "post", "PROPFIND"),
  origin: fc.constantFrom(undefined, OWN, "HTTPS://APP.TEST", ` ${OWN} `, PARTNER, "https://evil.test", "http://app.test", "https://app.test:8443", "https://sub.app.test", "null", "", `${OWN}, ${OWN}`),
  secFetchSite: fc.constantFrom(undefined, "same-origin", "same-site", "cross-site", "none", "Same-Origin", "bogus"),
  hasSecret: fc.boolean(),
  header: fc.constantFrom<TokenKind>("absent", "empty", "valid", "other session", "truncated", "garbage", "twice", "number"),
  form: fc.constantFrom<TokenKind>("absent", "empty", "valid", "other session", "truncated", "garbage", "twice", "number"),
  allowMissingOrigin: fc.boolean(),
});

function tokenOf(kind: TokenKind, secret: string): unknown {
  switch (kind) {
    case "absent":
      return undefined;
    case "empty":
      return "";
    case "valid":
      return maskCsrfToken(secret);
    case "other session":
      return maskCsrfToken(newCsrfSecret());
    case "truncated":
      return maskCsrfToken(secret).slice(0, 43);
    case "garbage":
      return "x".repeat(86);
    case "twice":
      return [maskCsrfToken(secret), maskCsrfToken(secret)];
    case "number":
      return 42;
  }
}

const expected = (c: Case): CsrfRefusal | undefined => expectedVerdict(c, OWN, [PARTNER]);

describe("the CSRF rule", () => {
  it("R80 model: for 5,000 generated requests checkCsrf gives the table's verdict", () => {
    const withMissing = resolveCsrfOptions({ allowedOrigins: [PARTNER], allowMissingOrigin: true });
    const strict = resolveCsrfOptions({ allowedOrigins: [PARTNER] });
    const seen = new Set<string>();
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const secret = newCsrfSecret();
        const session = sessionWith(c.hasSecret ? secret : undefined);
        const verdict = checkCsrf(
          session,
          { method: c.method, origin: c.origin, secFetchSite: c.secFetchSite, ownOrigin: OWN, headerToken: tokenOf(c.header, secret), formToken: tokenOf(c.form, secret) },
          c.allowMissingOrigin ? withMissing : strict,
        );
        seen.add(String(verdict));
        assert.equal(verdict, expected(c), JSON.stringify(c));
      }),
      { numRuns: 5_000, seed: 17 },
    );
    assert.deepEqual([...seen].sort(), ["bad_token", "cross_origin", "cross_site", "missing_token", "no_origin", "undefined"], "every verdict was reached");
  });

  it("checking never changes the session, and a refusal's message holds no token, secret or header value", () => {
    const options = resolveCsrfOptions();
    fc.assert(
      fc.property(caseArbitrary, fc.string({ maxLength: 40 }), (c, odd) => {
        const secret = newCsrfSecret();
        const session = sessionWith(c.hasSecret ? secret : undefined);
        const header = tokenOf(c.header, secret);
        const origin = c.origin === undefined ? undefined : `${c.origin}${odd}`;
        const verdict = checkCsrf(session, { method: c.method, origin, secFetchSite: c.secFetchSite, ownOrigin: OWN, headerToken: header, formToken: odd }, options);
        assert.equal(session.modified, false);
        assert.deepEqual(sessionInternals(session).data.dirty.size, 0);
        if (verdict === undefined) return;
        const message = new CsrfError(verdict, options).message;
        for (const leak of [secret, maskCsrfToken(secret).slice(0, 20), typeof header === "string" && header.length > 8 ? header : undefined, odd.length > 8 ? odd : undefined]) {
          if (leak !== undefined) assert.ok(!message.includes(leak), `${verdict}: the message quotes the request`);
        }
      }),
      { numRuns: 1_000, seed: 5 },
    );
  });

  it("named scenarios: login CSRF, a stale page, a sibling subdomain, curl, and the legitimate forms", () => {
    const options = resolveCsrfOptions();
    const secret = newCsrfSecret();
    const check = (session: Session, request: Partial<Parameters<typeof checkCsrf>[1]>) =>
      checkCsrf(session, { method: "POST", origin: undefined, secFetchSite: undefined, ownOrigin: OWN, headerToken: undefined, formToken: undefined, ...request }, options);
    const anonymous = new Session(undefined, true);
    // An attacker's page posts its own credentials to /login: the visitor has no session, the browser names the attacker's origin.
    assert.equal(check(anonymous, { origin: "https://evil.test", secFetchSite: "cross-site" }), "cross_origin");
    // …even from a sibling subdomain, which SameSite=Lax lets the cookie through for.
    assert.equal(check(anonymous, { origin: "https://sub.app.test", secFetchSite: "same-site" }), "cross_origin");
    // …or with an attacker's valid token from its own session.
    assert.equal(check(sessionWith(secret), { origin: OWN, formToken: maskCsrfToken(newCsrfSecret()) }), "bad_token");
    // The login form of this site, shown to a visitor without a session: the browser says same-origin.
    assert.equal(check(anonymous, { origin: OWN, secFetchSite: "same-origin" }), undefined);
    // A form rendered before a login (or by another tab's session) is refused once the secret changed.
    assert.equal(check(anonymous, { origin: OWN, formToken: maskCsrfToken(secret) }), "bad_token");
    // curl with no token and no Origin: refused unless allowMissingOrigin; with the session's token it passes.
    assert.equal(check(anonymous, {}), "no_origin");
    assert.equal(checkCsrf(anonymous, { method: "POST", origin: undefined, secFetchSite: undefined, ownOrigin: OWN, headerToken: undefined, formToken: undefined }, resolveCsrfOptions({ allowMissingOrigin: true })), undefined);
    assert.equal(check(sessionWith(secret), { headerToken: maskCsrfToken(secret) }), undefined);
    // A valid token does not excuse a foreign origin (as Django): allow it by name instead.
    assert.equal(check(sessionWith(secret), { origin: PARTNER, headerToken: maskCsrfToken(secret) }), "cross_origin");
  });
});

describe("requestOrigin and the options", () => {
  it("requestOrigin serializes this site's origin as a browser does, and refuses what is not a host", () => {
    assert.equal(requestOrigin(true, "App.Test"), "https://app.test");
    assert.equal(requestOrigin(true, "app.test:443"), "https://app.test");
    assert.equal(requestOrigin(false, "app.test:80"), "http://app.test");
    assert.equal(requestOrigin(false, "127.0.0.1:3000"), "http://127.0.0.1:3000");
    assert.equal(requestOrigin(false, "[::1]:3000"), "http://[::1]:3000");
    for (const bad of [undefined, "", "app.test/path", "user@app.test", "app.test:99999", "app test", "app.test?x", "a".repeat(300), "[zz]"]) {
      assert.equal(requestOrigin(true, bad), undefined, String(bad));
    }
    fc.assert(fc.property(fc.string({ maxLength: 40 }), fc.boolean(), (host, secure) => void requestOrigin(secure, host)), { numRuns: 2_000, seed: 3 });
  });

  it("options: defaults, normalized origins, and a ConfigError naming each bad option", () => {
    const defaults = resolveCsrfOptions();
    assert.equal(defaults.headerName, "X-CSRF-Token");
    assert.equal(defaults.headerKey, "x-csrf-token");
    assert.equal(defaults.fieldName, "csrf_token");
    assert.equal(defaults.allowMissingOrigin, false);
    assert.deepEqual([...resolveCsrfOptions({ allowedOrigins: ["HTTPS://Partner.Test:443/", "http://localhost:3000"] }).allowedOrigins], [PARTNER, "http://localhost:3000"]);
    const bad: [string, object][] = [
      ["csrf.headerName", { headerName: "X CSRF" }],
      ["csrf.headerName", { headerName: "" }],
      ["csrf.fieldName", { fieldName: "" }],
      ["csrf.fieldName", { fieldName: "__proto__" }],
      ["csrf.allowedOrigins", { allowedOrigins: "https://a.test" }],
      ["csrf.allowedOrigins", { allowedOrigins: ["*"] }],
      ["csrf.allowedOrigins", { allowedOrigins: ["https://*.app.test"] }],
      ["csrf.allowedOrigins", { allowedOrigins: ["https://app.test/path"] }],
      ["csrf.allowedOrigins", { allowedOrigins: ["app.test"] }],
      ["csrf.allowedOrigins", { allowedOrigins: ["ftp://app.test"] }],
      ["csrf.allowedOrigins", { allowedOrigins: ["null"] }],
      ["csrf.allowMissingOrigin", { allowMissingOrigin: "yes" }],
    ];
    for (const [option, given] of bad) {
      assert.throws(() => resolveCsrfOptions(given as never), (e: unknown) => e instanceof ConfigError && e.option === option, JSON.stringify(given));
    }
  });

  it("CsrfError is a 403 every framework recognizes, with a stable code and reason", () => {
    const error = new CsrfError("missing_token", { headerName: "X-Token", fieldName: "_token" });
    assert.equal(error.code, "CSRF_REFUSED");
    assert.equal(error.reason, "missing_token");
    assert.equal(error.status, 403);
    assert.equal(error.statusCode, 403);
    assert.equal(error.expose, true);
    assert.equal(error.name, "CsrfError");
    assert.match(error.message, /X-Token header or the _token form field/);
  });
});
