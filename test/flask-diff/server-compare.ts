/**
 * How the server-side harness compares the two apps: the cookie lines by
 * what they do to the browser (ids by meaning), the op results, and the two
 * records as both sides read them.
 */
import { loads } from "sessionkit/codec";
import type { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import type { Peer } from "./peer.js";
import type { ServerConfig, StepOutcome } from "./server-script.js";
import { canonical, describe, jsView, type Desc } from "./values.js";

/** What a Set-Cookie line says once its random id is replaced by its meaning. */
export function idShape(line: string, sentId: string | undefined): string {
  const eq = line.indexOf("=");
  const semi = line.indexOf(";");
  const value = line.slice(eq + 1, semi === -1 ? undefined : semi);
  const shape = value === "" ? "<deleted>" : value === sentId ? "<same id>" : "<new id>";
  return line.slice(0, eq + 1) + shape + (semi === -1 ? "" : line.slice(semi));
}

/**
 * What a response does to the browser's session cookie: nothing, delete it,
 * or set it (to a new id, or the same one with other attributes), ids shown
 * by their meaning. Flask-Session sends the same id again after every change
 * (and on every request of a permanent session), sessionkit only when the id
 * is new or a permanent session's expiry moves; Flask-Session deletes a
 * cookie the browser does not have, and with Domain and Path only. None of
 * that changes what the browser holds, so it is compared as the same effect;
 * every line that does change it must match exactly, Expires included.
 */
export function cookieEffect(lines: string[], hadCookie: boolean): string {
  const effective = lines.filter((l) => !/^[^=]*=<same id>;/.test(l) && !(l.includes("=<deleted>;") && !hadCookie));
  return canonical(effective.map((l) => (l.includes("=<deleted>;") ? l.replace(/; (HttpOnly|Secure|SameSite=\w+)/g, "") : l)));
}

/** The cookie a browser keeps after a response: the new value, none after a deletion. */
export function nextJar(jar: string | undefined, setCookie: string[], name: string): string | undefined {
  for (const line of setCookie) {
    const pair = line.split(";", 1)[0]!;
    if (pair.slice(0, pair.indexOf("=")) !== name) continue;
    const value = pair.slice(pair.indexOf("=") + 1);
    jar = value === "" || line.includes("Max-Age=0") ? undefined : value;
  }
  return jar;
}

/** A record as sessionkit's store reads it, described as the peer describes Flask-Session's reading. */
async function sessionkitReads(store: FlaskSessionRedisStore, id: string | undefined, nowMs: number): Promise<Desc> {
  if (id === undefined) return null;
  const record = await store.load(id, { nowMs, abandoned: false });
  if (record === undefined) return null;
  const data = Object.create(null) as Record<string, unknown>;
  for (const [key, text] of Object.entries(record.data)) data[key] = loads(text);
  return describe(data);
}

/** The first difference between what Flask-Session and sessionkit answered to one request. */
export function outcomeDifference(flask: StepOutcome, ours: StepOutcome, flaskJar: string | undefined, ourJar: string | undefined, exact: boolean): string | undefined {
  if (flask.status !== ours.status) return `status: Flask-Session ${flask.status}, sessionkit ${ours.status} ${canonical(ours.results.at(-1))}`;
  for (let k = 0; k < flask.results.length; k++) {
    const expected = canonical(jsView(flask.results[k]!));
    const got = canonical(ours.results[k]);
    if (expected !== got) return `op ${k} result: Flask-Session ${expected}, sessionkit ${got}`;
  }
  const flaskLines = flask.setCookie.map((l) => idShape(l, flaskJar));
  const ourLines = ours.setCookie.map((l) => idShape(l, ourJar));
  const same = exact
    ? canonical(flaskLines) === canonical(ourLines)
    : cookieEffect(flaskLines, flaskJar !== undefined) === cookieEffect(ourLines, ourJar !== undefined);
  if (!same) {
    return `Set-Cookie:\n    Flask-Session ${canonical(flaskLines)}\n    sessionkit    ${canonical(ourLines)}`;
  }
  // A cookie sent again goes with Vary: Cookie; only compare Vary when both sent the same lines.
  if (flask.vary !== ours.vary && canonical(flaskLines) === canonical(ourLines)) return `Vary: Flask-Session ${flask.vary}, sessionkit ${ours.vary}`;
  return undefined;
}

/**
 * Both records, read by both sides: Flask-Session must read the same Python
 * values from both (types exact, a float stays a float), and sessionkit must
 * read from both what JavaScript makes of them.
 */
export async function recordDifference(
  peer: Peer,
  store: FlaskSessionRedisStore,
  config: ServerConfig,
  flaskJar: string | undefined,
  ourJar: string | undefined,
  nowMs: number,
): Promise<string | undefined> {
  const sids = [flaskJar, ourJar];
  const peeked = await peer.run<{ records: ({ data: Desc; ttl: number } | null)[] }>({ cmd: "peek", config, sids: sids.map((s) => s ?? "") });
  const [ff, fs] = peeked.records.map((r, k) => (sids[k] === undefined || r === null ? null : r.data));
  const views: [string, Desc | undefined][] = [
    ["Flask-Session reads Flask's record", ff],
    ["Flask-Session reads sessionkit's", fs],
    ["sessionkit reads Flask's", await sessionkitReads(store, flaskJar, nowMs)],
    ["sessionkit reads its own", await sessionkitReads(store, ourJar, nowMs)],
  ];
  const js = canonical(jsView(ff ?? null));
  if (canonical(ff) === canonical(fs) && canonical(views[2]![1]) === js && canonical(views[3]![1]) === js) return undefined;
  return `the records differ:\n${views.map(([k, v]) => `    ${k.padEnd(36)} ${canonical(v)}`).join("\n")}`;
}

