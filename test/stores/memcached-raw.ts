/**
 * Memcached over a raw socket, for what a test needs beyond the store's
 * client: every key (`lru_crawler metadump all`) with its value, and server
 * statistics. The text protocol, one command per connection.
 */
import { createConnection } from "node:net";

/** Send one command line and collect the reply up to its final `END` line. */
async function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    socket.setEncoding("utf8");
    socket.once("error", reject);
    socket.on("data", (chunk: string) => {
      reply += chunk;
      if (reply.endsWith("END\r\n") || /^(ERROR|CLIENT_ERROR|SERVER_ERROR)/.test(reply)) {
        socket.end();
        resolve(reply);
      }
    });
    socket.write(`${line}\r\n`);
  });
}

/**
 * Every item's key and expiry (`exp`: a Unix time, -1 for none), from `lru_crawler metadump all`.
 *
 * @example
 * const items = await metadump(port);
 */
export async function metadump(port: number): Promise<Array<{ key: string; exp: number }>> {
  const listing = await command(port, "lru_crawler metadump all");
  const items: Array<{ key: string; exp: number }> = [];
  for (const line of listing.split(/\r?\n/)) {
    const match = /^key=(\S+) exp=(-?\d+)/.exec(line);
    if (match) items.push({ key: decodeURIComponent(match[1]!), exp: Number(match[2]) });
  }
  return items;
}

/**
 * `key value` lines of every live item whose key starts with `prefix`, sorted.
 *
 * @example
 * const before = await dumpKeys(port, "t1:");
 */
export async function dumpKeys(port: number, prefix: string): Promise<string[]> {
  const keys = (await metadump(port)).map((item) => item.key).filter((key) => key.startsWith(prefix)).sort();
  const out: string[] = [];
  for (const key of keys) {
    const reply = await command(port, `get ${key}`);
    const value = /^VALUE \S+ \d+ \d+\r\n([\s\S]*)\r\nEND\r\n$/.exec(reply)?.[1];
    if (value !== undefined) out.push(`${key} ${value}`);
  }
  return out;
}

/**
 * The server's `stats` as numbers by name.
 *
 * @example
 * (await stats(port)).evictions; // 0
 */
export async function stats(port: number): Promise<Record<string, number>> {
  const reply = await command(port, "stats");
  const out: Record<string, number> = {};
  for (const line of reply.split("\r\n")) {
    const match = /^STAT (\S+) (\S+)$/.exec(line);
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}
