// A Route Handler: GET reads the session, POST counts a visit in it (an
// X-CSRF-Token header, or a same-origin browser request, is required).
import { CsrfError } from "sessionkit";
import { csrfProtection, getSession, updateSession } from "sessionkit/next";
import { sessions } from "../../../lib/sessions";

const csrf = csrfProtection();

export async function GET(): Promise<Response> {
  const session = await getSession(sessions);
  // Next.js sends a Route Handler's response as it is: say that it is this visitor's alone.
  const headers = { "Cache-Control": "private, no-store", Vary: "Cookie" };
  return Response.json({ username: session.get("username") ?? null, visits: session.get("visits") ?? 0 }, { headers });
}

export async function POST(): Promise<Response> {
  try {
    const visits = await updateSession(sessions, async (session) => {
      await csrf(session);
      const next = (session.get("visits") ?? 0) + 1;
      session.set("visits", next);
      return next;
    });
    return Response.json({ visits });
  } catch (error) {
    if (error instanceof CsrfError) return new Response(error.message, { status: 403 });
    throw error;
  }
}
