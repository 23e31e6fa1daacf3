/**
 * What every benchmark server shares: the port, the secret, the route
 * contract's counter and the "ready" handshake with the harness.
 *
 * Each server is a standalone script started by `bench/run.ts` with `PORT`
 * set; it prints one line `ready <port>` once it listens, so the harness never
 * guesses with sleeps.
 */
import type { Server } from "node:http";

/** The port the harness chose; 0 (any free port) when run by hand. */
export const PORT = Number(process.env.PORT ?? 0);

/**
 * One ≥32-byte secret for every library, so no row is cheaper for a weaker key.
 * A benchmark secret, never used outside this folder.
 *
 * @example
 * createSessions({ secret: SECRET });
 */
export const SECRET = "bench-secret-0123456789abcdef-0123456789abcdef";

/**
 * 32 raw key bytes for libraries that take a key rather than a passphrase
 * (@fastify/secure-session), derived from {@link SECRET} so that nothing random
 * changes between runs.
 *
 * @example
 * app.register(fastifySecureSession, { key: KEY_BYTES });
 */
export const KEY_BYTES: Buffer = Buffer.from(SECRET.slice(0, 32), "utf8");

/** The user `/login` stores and `/read` returns. */
export const USER = "alice";

let counter = 0;

/**
 * The process-wide counter `/write` stores in the session as `n`: every call
 * returns a new value, so a write always changes the session.
 *
 * @example
 * session.set("n", nextCounter());
 */
export function nextCounter(): number {
  counter += 1;
  return counter;
}

/**
 * Tell the harness the server is listening (the first stdout line it waits for).
 *
 * @example
 * const server = http.createServer(handler).listen(PORT, () => announce(server));
 */
export function announce(server: Pick<Server, "address">): void {
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : PORT;
  process.stdout.write(`ready ${port}\n`);
}

/**
 * Exit cleanly on SIGTERM so the harness's stop is quick and leaves no child;
 * `cleanup` closes clients (Redis, SQLite) first.
 *
 * @example
 * onShutdown(async () => { await client.quit(); });
 */
export function onShutdown(cleanup?: () => Promise<void> | void): void {
  const stop = (): void => {
    Promise.resolve(cleanup?.())
      .catch((error: unknown) => {
        process.stderr.write(`shutdown cleanup failed: ${error instanceof Error ? error.name : typeof error}\n`);
      })
      .finally(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
