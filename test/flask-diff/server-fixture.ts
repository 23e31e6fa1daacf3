/**
 * What the server-side differential tests share: Redis on 127.0.0.1:6379
 * under a random key prefix (removed afterwards), the Flask-Session venv,
 * the Python peer, and sessionkit's flask-session store on the same prefix.
 */
import { after, before } from "node:test";
import { randomBytes } from "node:crypto";
import { createClient } from "redis";
import { FlaskSessionRedisStore } from "../../src/stores/flask-session.js";
import { probeService } from "../../src/testing/index.js";
import { flaskVenv } from "../helpers/flask-venv.js";
import { startPeer, type Peer } from "./peer.js";

const PEER = new URL("../../scripts/flask/diff_session_peer.py", import.meta.url).pathname;

/** Everything a server-side differential test needs, once `before` has run. */
export interface ServerFixture {
  /** Why the test cannot run, or undefined. */
  skip: string | undefined;
  /** Flask-Session's SESSION_KEY_PREFIX for this file. */
  prefix: string;
  peer(): Peer;
  store(): FlaskSessionRedisStore;
}

/**
 * Probe Redis and the venv now; start the peer and the store in `before`,
 * and delete every key of the file in `after`.
 *
 * @example
 * const fixture = await serverFixture("server");
 * if (fixture.skip) serviceUnavailable("…", fixture.skip);
 */
export async function serverFixture(label: string): Promise<ServerFixture> {
  const client = createClient({ url: "redis://127.0.0.1:6379", socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on("error", () => {}); // failures surface through the commands and the probe
  const redisSkip = await probeService("Redis at 127.0.0.1:6379", async () => {
    await client.connect();
    await client.ping();
  });
  const venv = redisSkip ? undefined : await flaskVenv();
  const skip = redisSkip ?? venv?.skip;
  const base = `sk-test:flaskdiff:${label}:${process.pid}:${randomBytes(4).toString("hex")}:`;
  const prefix = `${base}session:`;
  let peer: Peer | undefined;
  let store: FlaskSessionRedisStore | undefined;
  before(async () => {
    if (skip) return;
    peer = await startPeer(venv!.python!, [PEER, "--redis-port", "6379"]);
    store = new FlaskSessionRedisStore({ client, keyPrefix: prefix, metaPrefix: `${base}meta:` });
  });
  after(async () => {
    await peer?.stop();
    if (skip) return;
    for await (const keys of client.scanIterator({ MATCH: `${base}*`, COUNT: 1000 })) if (keys.length > 0) await client.del(keys);
    client.destroy();
  });
  return { skip, prefix, peer: () => peer!, store: () => store! };
}
