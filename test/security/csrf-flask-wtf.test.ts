/**
 * One CSRF secret for a Flask app and a sessionkit app sharing the session
 * cookie (the `flask` format): real Flask 3.1.3 with the real Flask-WTF
 * (its wheel, imported in place, from the machine's wheel folder). For 20
 * generated sessions each way: a secret Flask-WTF made is what sessionkit's
 * tokens verify against, and the cookie is not rewritten; a secret
 * sessionkit made is what Flask-WTF signs its own tokens with, and keeps.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { csrfTokenMatches } from "../../src/core/csrf-token.js";
import { sessionInternals } from "../../src/core/session.js";
import { RESERVED_KEYS, createSessions } from "../../src/index.js";
import { serviceUnavailable } from "../../src/testing/index.js";
import { flaskVenv } from "../helpers/flask-venv.js";

const SECRET = "flask-wtf-shares-this-secret-key-0123456789";
const WHEELS = "/opt/pypi/files";
const wheel = (prefix: string): string | undefined =>
  existsSync(WHEELS) ? readdirSync(WHEELS).filter((f) => f.startsWith(prefix) && f.endsWith(".whl")).sort().at(-1) : undefined;
const wheels = [wheel("flask_wtf-"), wheel("wtforms-")];

/** Flask-WTF, from its pure-Python wheels: makes secrets in new sessions, and reads sessionkit's cookies. */
const PY = String.raw`
import json, sys
wheels = json.loads(sys.argv[1])
sys.path[:0] = wheels
from flask import Flask, session
from flask_wtf.csrf import generate_csrf, validate_csrf
job = json.load(sys.stdin)
app = Flask(__name__)
app.secret_key = job["secret"]
signer = app.session_interface.get_signing_serializer(app)
made = []
for data in job["fresh"]:
    with app.test_request_context("/"):
        session.update(data)
        generate_csrf()
        made.append({"cookie": signer.dumps(dict(session)), "secret": session["csrf_token"]})
read = []
for cookie in job["ours"]:
    with app.test_request_context("/", headers={"Cookie": "session=" + cookie}):
        before = session.get("csrf_token")
        token = generate_csrf()
        validate_csrf(token)
        read.append({"before": before, "after": session["csrf_token"]})
json.dump({"made": made, "read": read}, sys.stdout)
`;

const venv = await flaskVenv();
const skip = venv.skip ?? (wheels.includes(undefined) ? `the Flask-WTF and WTForms wheels are not in ${WHEELS}` : undefined);

if (skip) {
  serviceUnavailable("Flask-WTF sharing the CSRF secret", skip);
} else {
  describe("the CSRF secret is shared with Flask-WTF (flask format)", () => {
    it("a secret Flask-WTF made verifies sessionkit's tokens untouched, and Flask-WTF signs with (and keeps) a secret sessionkit made", async () => {
      const sessions = createSessions({ secret: SECRET, format: "flask" });
      const data = fc.sample(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !k.startsWith("_") && k !== "csrf_token"), fc.string({ maxLength: 8 }), { maxKeys: 3 }), {
        numRuns: 20,
        seed: 80,
      });
      // sessionkit's own cookies, each with a secret it made.
      const ours: { cookie: string; secret: string }[] = [];
      for (const values of data) {
        const session = await sessions.load(undefined);
        for (const [key, value] of Object.entries(values)) session.set(key, value);
        session.csrfToken();
        const cookie = (await sessions.commit(session)).setCookie[0]!.split(";")[0]!.slice("session=".length);
        ours.push({ cookie, secret: sessionInternals(session).data.values.get(RESERVED_KEYS.csrf) as string });
      }
      const run = spawnSync(venv.python!, ["-W", "ignore", "-c", PY, JSON.stringify(wheels.map((w) => `${WHEELS}/${w}`))], {
        input: JSON.stringify({ secret: SECRET, fresh: data, ours: ours.map((o) => o.cookie) }),
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const answer = JSON.parse(run.stdout) as { made: { cookie: string; secret: string }[]; read: { before: string; after: string }[] };

      for (const { cookie, secret } of answer.made) {
        assert.match(secret, /^[0-9a-f]{40}$/, "Flask-WTF's own secret");
        const session = await sessions.load(`session=${cookie}`);
        assert.equal(session.isNew, false);
        const token = session.csrfToken();
        assert.equal(csrfTokenMatches(secret, token), true, "sessionkit's token is a token of Flask-WTF's secret");
        assert.deepEqual((await sessions.commit(session)).setCookie, [], "the shared cookie is not rewritten");
      }
      answer.read.forEach(({ before, after }, i) => {
        assert.equal(before, ours[i]!.secret, "Flask sees sessionkit's secret under csrf_token");
        assert.equal(after, ours[i]!.secret, "Flask-WTF signed its token with it and kept it");
      });
    });
  });
}
