/**
 * What the tests of the throwaway-server starts (redis-launch.test.ts,
 * spawned-server.test.ts) hand them: a port already taken, as the race
 * between finding a spare port and the server binding it leaves it.
 */
import { createServer, type Server } from "node:net";
import { sparePort } from "./server-launch.js";

/**
 * A plain TCP server holding a port, as the process that took it first.
 *
 * @example
 * const holder = await holdPort(); try { … } finally { holder.server.close(); }
 */
export async function holdPort(port = 0): Promise<{ port: number; server: Server }> {
  const server = createServer((socket) => socket.on("error", () => {}));
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, server };
}

/**
 * A port picker that picks `taken` first, then spare ports; `picks` records
 * every pick.
 *
 * @example
 * const { pickPort, picks } = picker(holder.port); await start({ pickPort }); picks; // [holder.port, the new one]
 */
export function picker(taken: number): { pickPort: () => Promise<number>; picks: number[] } {
  const picks: number[] = [];
  return { picks, pickPort: async () => (picks.push(picks.length === 0 ? taken : await sparePort()), picks[picks.length - 1]!) };
}
