// node:http: req.session carries the manager's data type, the app's SessionData by default.
import { createServer } from "node:http";
import { createSessions } from "sessionkit";
import { withSessions, type SessionHandler } from "sessionkit/node";

const sessions = createSessions({ secret: "x".repeat(40) });

createServer(
  withSessions(sessions, (req, res) => {
    const name: string | undefined = req.session.get("username");
    req.session.set("visits", (req.session.get("visits") ?? 0) + 1);
    // @ts-expect-error "nope" is not a key of SessionData
    req.session.get("nope");
    // @ts-expect-error visits is a number
    req.session.set("visits", "two");
    // @ts-expect-error a read is typed, not any: visits is not a string
    const wrong: string = req.session.get("visits");
    res.end(`${name ?? "stranger"} ${String(wrong)}`);
  }),
);

// A handler written apart, without a type argument, has the app's data too.
export const handler: SessionHandler = (req, res) => {
  res.end(req.session.get("username") ?? "stranger");
  // @ts-expect-error "nope" is not a key of SessionData
  req.session.get("nope");
};
