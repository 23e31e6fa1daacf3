/** sessionkit on bare node:http (`sessionkit/node`), in the mode `SK_MODE` names. */
import http from "node:http";
import { withSessions } from "sessionkit/node";
import { PORT, announce, nextCounter, onShutdown } from "./shared.js";
import { benchSessions, routes, type BenchSession } from "./sessionkit-setup.js";

const { sessions, close, dump } = await benchSessions();
const server = http.createServer(
  withSessions(sessions, async (req, res) => {
    const session = (req as unknown as { session: BenchSession }).session;
    res.setHeader("content-type", "text/plain; charset=utf-8");
    if (req.url === "/login") res.end(routes.login(session));
    else if (req.url === "/read") res.end(routes.read(session));
    else if (req.url === "/write") res.end(routes.write(session, nextCounter()));
    else if (req.url === "/__store" && dump) res.end(JSON.stringify(await dump()));
    else {
      res.statusCode = 404;
      res.end("not found");
    }
  }),
);
server.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown(close);
