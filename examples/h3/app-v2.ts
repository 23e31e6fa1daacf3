// The tutorial's login / profile / logout on h3 2.
import { H3, HTTPError, readBody, redirect, type H3Event } from "h3";
import { csrfProtection, withSession } from "sessionkit/h3";
import { checkPassword, sessions } from "./sessions.js";

const csrf = csrfProtection();

const login = withSession(sessions, async (event: H3Event, session) => {
  const form = await readBody<Record<string, string>>(event);
  csrf(event, session, form);
  const user = checkPassword(form?.username, form?.password);
  if (!user) throw new HTTPError({ status: 401, message: "Wrong username or password" });
  await session.login(user.id);
  session.set("username", user.name);
  return redirect("/profile", 303);
});

export const app = new H3()
  .get(
    "/",
    withSession(sessions, (_event, session) => {
      const username = session.get("username");
      return username ? `Logged in as ${username}` : "You are not logged in";
    }),
  )
  .post("/login", login)
  .get(
    "/profile",
    withSession(sessions, (_event, session) => {
      const username = session.get("username");
      if (!username) throw new HTTPError({ status: 401, message: "Log in first" });
      return { username, visits: session.get("visits") ?? 0 };
    }),
  )
  .post(
    "/visits",
    withSession(sessions, (event: H3Event, session) => {
      csrf(event, session);
      const visits = (session.get("visits") ?? 0) + 1;
      session.set("visits", visits);
      return { visits };
    }),
  )
  .post(
    "/logout",
    withSession(sessions, async (event: H3Event, session) => {
      csrf(event, session);
      await session.destroy();
      return redirect("/", 303);
    }),
  )
  .post(
    "/logout-then-fail",
    withSession(sessions, async (event: H3Event, session) => {
      csrf(event, session);
      await session.destroy();
      throw new Error("the handler failed after the logout");
    }),
  );
