/**
 * Reading the session in Next.js Middleware (`middleware.ts`, on the Edge
 * runtime). Middleware gets the request as an argument (a `NextRequest`, a
 * `Request`), not through `cookies()`, and runs apart from the Node server:
 * no node:* module, and none of the server's memory or database clients.
 * The codec and core pick the Web Crypto set there (`#runtime`), so a
 * cookie-mode session loads as it does everywhere else.
 */
import type { AppSessionData, SessionDataShape } from "../../core/app-data.js";
import { ConfigError } from "../../core/errors.js";
import { managerOf, type SessionSource } from "../shared.js";
import { ReadonlySession } from "./readonly-session.js";
import { isHttps } from "./request.js";

/** What a refused change in Middleware says to do instead. */
const MIDDLEWARE_HINT =
  "Middleware cannot set the session cookie through sessionkit: redirect (NextResponse.redirect) to a Server Action or Route Handler that changes it with updateSession(sessions, (session) => …).";

/**
 * The request's session, to read, in Next.js Middleware: cookie mode only
 * (a store, or a revocation store, lives with the Node server, so the
 * manager is refused with a ConfigError). A change is refused with a
 * ReadOnlySessionError that says how to redirect instead. A bad, forged or
 * expired cookie gives an empty session, never an error.
 *
 * @example
 * // middleware.ts
 * export async function middleware(request: NextRequest) {
 *   const session = await getSessionFromRequest(sessions, request);
 *   if (!session.has("username")) return NextResponse.redirect(new URL("/login", request.url));
 * }
 */
export async function getSessionFromRequest<Data extends SessionDataShape = AppSessionData>(
  source: SessionSource<Data>,
  request: Request,
): Promise<ReadonlySession<Data>> {
  const sessions = managerOf(source);
  const { store, revocationStore } = sessions.options;
  if (store !== undefined || revocationStore !== undefined) {
    throw new ConfigError(
      store !== undefined ? "store" : "revocation.store",
      "Next.js Middleware reads cookie-mode sessions only: a store lives with the Node server, which Middleware (the Edge runtime) cannot reach. Read a server-side session in a Server Component or Route Handler with getSession(sessions), or give Middleware a manager without a store.",
    );
  }
  const session = await sessions.load(request.headers.get("cookie"), { secure: isHttps(request.headers) });
  return new ReadonlySession(session, MIDDLEWARE_HINT);
}
