// The same app on h3 1, the h3 of Nuxt's server routes (defineEventHandler, sendRedirect).
import { createApp, createError, createRouter, defineEventHandler, readBody, sendRedirect, type H3Event } from "h3-v1";
import { csrfProtection, withSession } from "sessionkit/h3";
import { checkPassword, sessions } from "./sessions.js";

const csrf = csrfProtection();
const router = createRouter()
  .get(
    "/",
    defineEventHandler(
      withSession(sessions, (_event, session) => {
        const username = session.get("username");
        return username ? `Logged in as ${username}` : "You are not logged in";
      }),
    ),
  )
  .post(
    "/login",
    defineEventHandler(
      withSession(sessions, async (event: H3Event, session) => {
        const form = await readBody<Record<string, string>>(event);
        csrf(event, session, form);
        const user = checkPassword(form?.username, form?.password);
        if (!user) throw createError({ statusCode: 401, statusMessage: "Wrong username or password" });
        await session.login(user.id);
        session.set("username", user.name);
        return sendRedirect(event, "/profile", 303);
      }),
    ),
  )
  .get(
    "/profile",
    defineEventHandler(
      withSession(sessions, (_event, session) => {
        const username = session.get("username");
        if (!username) throw createError({ statusCode: 401, statusMessage: "Log in first" });
        return { username, visits: session.get("visits") ?? 0 };
      }),
    ),
  )
  .post(
    "/visits",
    defineEventHandler(
      withSession(sessions, (event: H3Event, session) => {
        csrf(event, session);
        const visits = (session.get("visits") ?? 0) + 1;
        session.set("visits", visits);
        return { visits };
      }),
    ),
  )
  .post(
    "/logout",
    defineEventHandler(
      withSession(sessions, async (event: H3Event, session) => {
        csrf(event, session);
        await session.destroy();
        return sendRedirect(event, "/", 303);
      }),
    ),
  )
  .post(
    "/logout-then-fail",
    defineEventHandler(
      withSession(sessions, async (event: H3Event, session) => {
        csrf(event, session);
        await session.destroy();
        throw new Error("the handler failed after the logout");
      }),
    ),
  );

export const app = createApp().use(router);
