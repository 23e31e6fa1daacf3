/**
 * The floor of a Redis-backed session on node:http: per request only the
 * store round trips a session needs at least (`/read`: one GET; `/write`: a GET
 * then a SET), with no session logic. sessionkit's Redis rows are judged on
 * their CPU beyond this.
 */
import http from "node:http";
import { createClient } from "redis";
import { PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

const key = `${process.env.BENCH_PREFIX ?? "bench:floor:"}record`;
const client = createClient({ url: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });
await client.connect();
await client.set(key, JSON.stringify({ user: USER, n: 0 }), { EX: 3_600 });

const server = http.createServer((req, res) => {
  res.setHeader("content-type", "text/plain; charset=utf-8");
  const fail = (): void => {
    res.statusCode = 503;
    res.end("store error");
  };
  if (req.url === "/login") res.end("ok");
  else if (req.url === "/read") client.get(key).then((v) => res.end(v ? USER : ""), fail);
  else if (req.url === "/write") {
    const n = nextCounter();
    client
      .get(key)
      .then(() => client.set(key, JSON.stringify({ user: USER, n }), { EX: 3_600 }))
      .then(() => res.end(String(n)), fail);
  } else {
    res.statusCode = 404;
    res.end("not found");
  }
});
server.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown(async () => {
  await client.del(key);
  await client.quit();
});
