/**
 * The one place the harness commits a sessionkit session and reads the
 * headers an adapter would send, so that a change of `commit()`'s return
 * shape is a one-line change here.
 */
import { shouldVary, type Session, type SessionManager } from "sessionkit";

/**
 * Commit `session` and answer its Set-Cookie lines and Vary header, as an adapter sends them.
 *
 * @example
 * const { setCookie, vary } = await commitHeaders(sessions, session);
 */
export async function commitHeaders(sessions: SessionManager<any>, session: Session<any>): Promise<{ setCookie: string[]; vary: string | null }> {
  const setCookie = await sessions.commit(session, { status: 200 });
  return { setCookie, vary: shouldVary(session, setCookie) ? "Cookie" : null };
}
