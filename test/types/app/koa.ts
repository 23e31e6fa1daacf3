// Koa: ctx.session carries the app's SessionData.
import Koa from "koa";
import { createSessions } from "sessionkit";
import { sessionMiddleware } from "sessionkit/koa";

const sessions = createSessions({ secret: "x".repeat(40) });
const app = new Koa();
app.use(sessionMiddleware(sessions));

app.use((ctx) => {
  const name: string | undefined = ctx.session.get("username");
  ctx.session.set("visits", (ctx.session.get("visits") ?? 0) + 1);
  // @ts-expect-error "nope" is not a key of SessionData
  ctx.session.get("nope");
  // @ts-expect-error visits is a number
  ctx.session.set("visits", "two");
  // @ts-expect-error a read is typed, not any: visits is not a string
  const wrong: string = ctx.session.get("visits");
  ctx.body = `${name ?? "stranger"} ${String(wrong)}`;
});

// @ts-expect-error a manager typed with other data cannot stand behind ctx.session
app.use(sessionMiddleware(createSessions<{ other: number }>({ secret: "x".repeat(40) })));
