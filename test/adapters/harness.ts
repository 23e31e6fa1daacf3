/**
 * Helpers shared by the adapter test files: listening on a free port and
 * closing a node:http server with its keep-alive connections.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { StartedServer } from "../../src/testing/adapter-suite.js";

/**
 * Listen on 127.0.0.1 and a free port; close() also drops idle keep-alive sockets, so it never hangs.
 *
 * @example
 * return listen(createServer(handler));
 */
export async function listen(server: Server): Promise<StartedServer> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * A Web ReadableStream of the given chunks, a tick apart, for Web-style harnesses.
 *
 * @example
 * new Response(webStream(streamChunks(["a", "b"])));
 */
export function webStream(chunks: AsyncIterator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
  });
}
