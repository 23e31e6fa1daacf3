// Middleware (the Edge runtime) sends a visitor who is not logged in to /login
// before the profile renders, and lets a logged-in visitor through.
import { NextResponse, type NextRequest } from "next/server";
import { getSessionFromRequest } from "sessionkit/next";
import { sessions } from "./lib/sessions";

export async function middleware(request: NextRequest): Promise<NextResponse> {
  // A server-side session lives with the Node server, out of Middleware's reach
  // (getSessionFromRequest refuses a store): the profile page checks it itself.
  if (process.env.SESSION_STORE === "memory") return NextResponse.next();
  const session = await getSessionFromRequest(sessions, request);
  if (!session.get("username")) return NextResponse.redirect(new URL("/login?from=/profile", request.url));
  return NextResponse.next();
}

export const config = { matcher: ["/profile"] };
