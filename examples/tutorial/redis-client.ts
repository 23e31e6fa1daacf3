/**
 * The tutorial's Redis connection. node-redis retries a failed connection
 * forever by default, so an app started against a Redis that is not there
 * neither starts nor exits. Here the first connection gets a few quick tries
 * (about a second, or one connect timeout), then fails with the socket's own
 * error; once connected, the client reconnects forever with a capped backoff,
 * as a running app should, and says so once per outage in the log.
 */
import { describeStoreCause } from "sessionkit";

/** Named, not inferred: the inferred type is too long for the compiler to print in a declaration. */
type RedisClient = ReturnType<typeof import("redis").createClient>;

/** Tries of the first connection before the app gives up. */
const STARTUP_TRIES = 3;
/** ...or this long since the first try, whichever comes first. */
const STARTUP_BUDGET_MS = 1_000;
/** Each connection attempt's own deadline. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * A connected node-redis client.
 *
 * @example
 * const client = await connectRedis("redis://127.0.0.1:6379", "redis at 127.0.0.1:6379");
 */
export async function connectRedis(url: string, where: string): Promise<RedisClient> {
  const { createClient } = await import("redis");
  const startedAt = Date.now();
  let running = false;
  let lastCause: unknown;
  let gaveUp = false;
  let down = false;
  const client = createClient({
    url,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) => {
        if (running) return Math.min(100 * 2 ** Math.min(retries, 6), 5_000);
        // Starting: give up soon, remembering the socket's error (node-redis reports its own wrapper after).
        if (gaveUp) return false;
        lastCause = cause;
        // Only a socket error (an errno code: the server may be starting) is worth another try; a refused password is not.
        const socketError = /^E[A-Z]+$/.test(String((cause as { code?: unknown }).code));
        gaveUp = !socketError || retries + 1 >= STARTUP_TRIES || Date.now() - startedAt > STARTUP_BUDGET_MS;
        return gaveUp ? cause : 150;
      },
    },
  });
  // Without a listener node-redis turns a dropped connection into an uncaught 'error' and kills the process.
  // The cause is described from its code: a driver's message may quote the URL with its password.
  client.on("error", (error: unknown) => {
    if (!running || down) return;
    down = true;
    console.error(`tutorial: SESSION_STORE: lost the connection to ${where}: ${describeStoreCause(error).text}; reconnecting.`);
  });
  client.on("ready", () => {
    if (down) console.error(`tutorial: SESSION_STORE: connected to ${where} again.`);
    down = false;
  });
  try {
    await client.connect();
  } catch (error) {
    if (client.isOpen) client.destroy();
    // node-redis wraps the socket's error in its own; the socket's code is what says why.
    throw lastCause ?? error;
  }
  running = true;
  return client;
}
