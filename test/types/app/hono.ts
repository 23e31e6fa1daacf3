// Hono: c.get("session") carries the app's SessionData on a plain `new Hono()`,
// and an app that types its own Variables gets the type it names.
import { Hono } from "hono";
import { createSessions } from "sessionkit";
import { sessionMiddleware, type SessionVariables } from "sessionkit/hono";

const sessions = createSessions({ secret: "x".repeat(40) });
const app = new Hono();
app.use(sessionMiddleware(sessions));

app.get("/", (c) => {
  const session = c.get("session");
  const name: string | undefined = session.get("username");
  session.set("visits", (session.get("visits") ?? 0) + 1);
  // @ts-expect-error "nope" is not a key of SessionData
  session.get("nope");
  // @ts-expect-error visits is a number
  session.set("visits", "two");
  // @ts-expect-error a read is typed, not any: visits is not a string
  const wrong: string = session.get("visits");
  return c.text(`${name ?? "stranger"} ${String(wrong)}`);
});

// Variables typed by the app: the app's own data type wins.
const typed = new Hono<{ Variables: SessionVariables<{ theme?: "dark" | "light" }> }>();
typed.use(sessionMiddleware(createSessions<{ theme?: "dark" | "light" }>({ secret: "x".repeat(40) })));
typed.get("/", (c) => {
  const theme: "dark" | "light" | undefined = c.get("session").get("theme");
  // @ts-expect-error "sepia" is not a theme
  c.get("session").set("theme", "sepia");
  return c.text(theme ?? "none");
});

// An app that types its own Variables names the session's among them: SessionVariables is the app's SessionData.
const own = new Hono<{ Variables: SessionVariables & { requestId: string } }>();
own.use(sessionMiddleware(sessions));
own.get("/", (c) => {
  const name: string | undefined = c.get("session").get("username");
  const id: string = c.get("requestId");
  // @ts-expect-error "nope" is not a key of SessionData
  c.get("session").get("nope");
  return c.text(`${id} ${name ?? "stranger"}`);
});
