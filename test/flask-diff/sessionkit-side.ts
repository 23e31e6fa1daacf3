/**
 * The one place the harness commits a sessionkit session and reads the
 * headers an adapter would send, so that a change of `commit()`'s result is
 * a change here only.
 */
import type { Session, SessionManager } from "sessionkit";

/**
 * Commit `session` and answer its Set-Cookie lines and Vary header, as an adapter sends them.
 *
 * @example
 * const { setCookie, vary } = await commitHeaders(sessions, session);
 */
export async function commitHeaders(sessions: SessionManager<any>, session: Session<any>): Promise<{ setCookie: string[]; vary: string | null }> {
  const { setCookie, headers } = await sessions.commit(session, { status: 200 });
  const vary = headers.find(([name]) => name === "Vary");
  return { setCookie, vary: vary === undefined ? null : vary[1] };
}
