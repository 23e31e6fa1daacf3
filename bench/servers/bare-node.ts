/** node:http with no session: the ceiling the node:http rows are divided by. */
import http from "node:http";
import { PORT, USER, announce, nextCounter, onShutdown } from "./shared.js";

const server = http.createServer((req, res) => {
  // Same headers as the session rows minus Set-Cookie, so the ratio isolates the session cost.
  res.setHeader("content-type", "text/plain; charset=utf-8");
  if (req.url === "/login") res.end("ok");
  else if (req.url === "/read") res.end(USER);
  else if (req.url === "/write") res.end(String(nextCounter()));
  else {
    res.statusCode = 404;
    res.end("not found");
  }
});
server.listen(PORT, "127.0.0.1", () => announce(server));
onShutdown();
