// Web: the handler's session carries the manager's data type, and the
// runtime's extra arguments (Workers' env and ctx) pass through typed.
import { createSessions } from "sessionkit";
import { withSessions } from "sessionkit/web";

interface Env {
  GREETING: string;
}
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

const sessions = createSessions({ secret: "x".repeat(40) });

export const fetchHandler = withSessions(sessions, (_request, session, env: Env, ctx: ExecutionContext) => {
  const name: string | undefined = session.get("username");
  session.set("visits", (session.get("visits") ?? 0) + 1);
  // @ts-expect-error "nope" is not a key of SessionData
  session.get("nope");
  // @ts-expect-error visits is a number
  session.set("visits", "two");
  // @ts-expect-error a read is typed, not any: visits is not a string
  const wrong: string = session.get("visits");
  ctx.waitUntil(Promise.resolve());
  return new Response(`${env.GREETING} ${name ?? "stranger"} ${String(wrong)}`);
});

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext): Promise<Response> => fetchHandler(request, env, ctx),
};
// @ts-expect-error the wrapped handler still wants the env it declared
void fetchHandler(new Request("http://localhost/"), { GREETING: 1 }, { waitUntil() {} });
