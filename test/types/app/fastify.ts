// Fastify: request.session carries the app's SessionData.
import Fastify from "fastify";
import { createSessions } from "sessionkit";
import { fastifySessions } from "sessionkit/fastify";

const sessions = createSessions({ secret: "x".repeat(40) });
const app = Fastify();
await app.register(fastifySessions, { sessions });

app.get("/", async (request) => {
  const name: string | undefined = request.session.get("username");
  request.session.set("visits", (request.session.get("visits") ?? 0) + 1);
  // @ts-expect-error "nope" is not a key of SessionData
  request.session.get("nope");
  // @ts-expect-error visits is a number
  request.session.set("visits", "two");
  // @ts-expect-error a read is typed, not any: visits is not a string
  const wrong: string = request.session.get("visits");
  return `${name ?? "stranger"} ${String(wrong)}`;
});

// @ts-expect-error a manager typed with other data cannot stand behind request.session
await app.register(fastifySessions, { sessions: createSessions<{ other: number }>({ secret: "x".repeat(40) }) });
