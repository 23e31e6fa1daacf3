/**
 * express-session with connect-redis 9 on a node-redis 5 client, configured as
 * both READMEs recommend (resave false, saveUninitialized false, a key prefix),
 * with touch off so that a read writes nothing.
 * The harness reads the Redis keys under `BENCH_PREFIX` before and after `/read`.
 */
import express from "express";
import session from "express-session";
import { RedisStore } from "connect-redis";
import { createClient } from "redis";
import { PORT, SECRET, USER, announce, nextCounter, onShutdown } from "./shared.js";

/**
 * express-session's `req.session` as this file uses it: typed locally because
 * sessionkit's Express adapter types `req.session` its own way in the same program.
 */
const sessionOf = (req: unknown): { user?: string; n?: number } => (req as { session: { user?: string; n?: number } }).session;

const prefix = process.env.BENCH_PREFIX ?? "bench:express-session:";
const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
await client.connect();
const app = express();
app.disable("x-powered-by");
app.use(
  session({
    secret: SECRET,
    name: "sid",
    // disableTouch: otherwise every read sends EXPIRE, a store write the sanity check refuses;
    // with it the record keeps the TTL of its last save (connect-redis's documented option).
    store: new RedisStore({ client, prefix, disableTouch: true }),
    resave: false,
    saveUninitialized: false,
    cookie: { httpOnly: true, sameSite: "lax", secure: false },
  }),
);
app.get("/login", (req, res) => {
  sessionOf(req).user = USER;
  sessionOf(req).n = 0;
  res.type("text").send("ok");
});
app.get("/read", (req, res) => void res.type("text").send(sessionOf(req).user ?? ""));
app.get("/write", (req, res) => {
  sessionOf(req).n = nextCounter();
  res.type("text").send(String(sessionOf(req).n));
});
const server = app.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown(async () => {
  await client.quit();
});
