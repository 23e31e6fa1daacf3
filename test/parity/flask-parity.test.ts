/**
 * Flask parity on the wire: every request sequence recorded from real Flask
 * by scripts/flask/parity_headers.py (test/fixtures/flask-parity.json) is
 * replayed through sessionkit's `flask` format behind sessionkit/node, at the
 * same frozen clock and with the exact Cookie Flask received, and must give
 * the same status, body, Set-Cookie lines and Vary header.
 *
 * Compressed cookie values are compared by decoding (Node's zlib emits other
 * bytes than CPython's for the same data); Expires dates up to one second.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { after, before, describe, it } from "node:test";
import { inflateSync } from "node:zlib";
import { createSessions, type Session } from "sessionkit";
import { withSessions } from "sessionkit/node";
import type { StartedServer } from "../../src/testing/adapter-suite.js";
import { listen } from "../adapters/harness.js";

interface Step {
  at: number;
  config: { secret: string; fallbacks: string[]; refresh: boolean; lifetime: number };
  path: string;
  cookie: string | null;
  status: number;
  body: string;
  set_cookie: string[];
  vary: string | null;
}
interface Fixture {
  flask: string;
  sequences: { name: string; steps: Step[] }[];
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/flask-parity.json", import.meta.url), "utf8")) as Fixture;

/** The Flask app of the script, route for route. */
function route(session: Session<Record<string, unknown>>, url: URL): string {
  const key = url.searchParams.get("key") ?? "";
  const json = (value: unknown): string => JSON.stringify(value ?? null);
  switch (url.pathname) {
    case "/set":
      session.set(key, url.searchParams.get("value") ?? "");
      return "ok";
    case "/get":
      return json(session.get(key));
    case "/pop":
      return json(session.pop(key, null));
    case "/clear":
      session.clear();
      return "cleared";
    case "/permanent":
      session.permanent = url.searchParams.get("on") === "1";
      if (url.searchParams.has("key")) session.set(key, url.searchParams.get("value") ?? "");
      return "ok";
    case "/flash":
      session.flash(url.searchParams.get("msg") ?? "", url.searchParams.get("cat") ?? "message");
      return "ok";
    case "/flashes":
      return json(session.consumeFlashes({ withCategories: true }));
    case "/static":
      return "static";
    default:
      throw new Error(`no route ${url.pathname}`);
  }
}

/** Bodies that are JSON (Python's json.dumps spaces differ from JSON.stringify) compare as values. */
function sameBody(path: string, flask: string, ours: string): void {
  if (/^\/(get|pop|flashes)\b/.test(path)) assert.deepEqual(JSON.parse(ours), JSON.parse(flask), path);
  else assert.equal(ours, flask, path);
}

/** The JSON text and timestamp of a cookie value, decompressing a leading-dot payload. */
function decodeValue(value: string): { json: string; timestamp: string } {
  const compressed = value.startsWith(".");
  const parts = (compressed ? value.slice(1) : value).split(".");
  assert.equal(parts.length, 3, `a cookie value has three segments: ${value.slice(0, 20)}…`);
  const raw = Buffer.from(parts[0]!, "base64url");
  return { json: (compressed ? inflateSync(raw) : raw).toString("utf8"), timestamp: parts[1]! };
}

function sameSetCookie(flask: string, ours: string, context: string): void {
  const [flaskPair, ...flaskAttributes] = flask.split("; ");
  const [ourPair, ...ourAttributes] = ours.split("; ");
  const flaskValue = flaskPair!.slice(flaskPair!.indexOf("=") + 1);
  const ourValue = ourPair!.slice(ourPair!.indexOf("=") + 1);
  assert.equal(ourPair!.slice(0, ourPair!.indexOf("=")), flaskPair!.slice(0, flaskPair!.indexOf("=")), context);
  if (flaskValue.startsWith(".") || ourValue.startsWith(".")) {
    assert.deepEqual(decodeValue(ourValue), decodeValue(flaskValue), `${context}: decoded cookie`);
  } else {
    assert.equal(ourValue, flaskValue, `${context}: cookie value`);
  }
  assert.equal(ourAttributes.length, flaskAttributes.length, `${context}: ${ours} vs ${flask}`);
  flaskAttributes.forEach((attribute, i) => {
    const mine = ourAttributes[i]!;
    if (attribute.startsWith("Expires=") && attribute !== "Expires=Thu, 01 Jan 1970 00:00:00 GMT") {
      assert.ok(mine.startsWith("Expires="), `${context}: ${mine}`);
      const drift = Math.abs(Date.parse(mine.slice(8)) - Date.parse(attribute.slice(8)));
      assert.ok(drift <= 1_000, `${context}: Expires ${mine} vs ${attribute}`);
    } else {
      assert.equal(mine, attribute, context);
    }
  });
}

describe(`Flask ${fixture.flask} parity on the wire (flask format, node adapter)`, () => {
  let server: StartedServer;
  let current: (req: IncomingMessage, res: ServerResponse) => void = () => {};
  before(async () => {
    server = await listen(createServer((req, res) => current(req, res)));
  });
  after(async () => {
    await server.close();
  });

  assert.ok(fixture.sequences.length >= 10, "the fixture holds the recorded sequences");
  for (const sequence of fixture.sequences) {
    it(sequence.name, async () => {
      for (const [index, step] of sequence.steps.entries()) {
        const context = `${sequence.name} step ${index} ${step.path.slice(0, 40)}`;
        const sessions = createSessions<Record<string, unknown>>({
          format: "flask",
          secrets: [step.config.secret, ...[...step.config.fallbacks].reverse()],
          cookie: { sameSite: false },
          lifetime: step.config.lifetime,
          refreshEachRequest: step.config.refresh,
          now: () => step.at * 1000,
        });
        current = withSessions(sessions, (req, res) => {
          res.end(route(req.session, new URL(req.url ?? "/", "http://localhost")));
        });
        const response = await fetch(server.url + step.path, { headers: step.cookie ? { cookie: `session=${step.cookie}` } : {} });
        const body = await response.text();
        assert.equal(response.status, step.status, context);
        sameBody(step.path, step.body, body);
        const ours = response.headers.getSetCookie();
        assert.equal(ours.length, step.set_cookie.length, `${context}: ${JSON.stringify(ours)} vs ${JSON.stringify(step.set_cookie)}`);
        step.set_cookie.forEach((line, i) => sameSetCookie(line, ours[i]!, context));
        assert.equal(response.headers.get("vary"), step.vary, `${context}: Vary`);
      }
    });
  }
});
