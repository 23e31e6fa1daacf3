// Express: req.session carries the app's SessionData, with no type argument and no cast.
import express from "express";
import { createSessions } from "sessionkit";
import { sessionMiddleware } from "sessionkit/express";

const sessions = createSessions({ secret: "x".repeat(40) });
const app = express();
app.use(sessionMiddleware(sessions));

app.get("/", (req, res) => {
  const name: string | undefined = req.session.get("username");
  req.session.set("visits", (req.session.get("visits") ?? 0) + 1);
  req.session.set("cart", ["apple"]);
  // @ts-expect-error "nope" is not a key of SessionData
  req.session.get("nope");
  // @ts-expect-error visits is a number
  req.session.set("visits", "two");
  // @ts-expect-error a read is typed, not any: visits is not a string
  const wrong: string = req.session.get("visits");
  res.send(`${name ?? "stranger"} ${String(wrong)}`);
});

// A manager typed with other data cannot stand behind req.session.
// @ts-expect-error its data is not the app's SessionData
app.use(sessionMiddleware(createSessions<{ other: number }>({ secret: "x".repeat(40) })));
