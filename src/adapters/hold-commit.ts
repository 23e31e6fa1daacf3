/**
 * What goes onto a node:http response besides the app's output, for the
 * response hold (hold-response.ts) and the adapters that use it: the
 * commit's Set-Cookie lines and headers, and an adapter's own answer (503,
 * 409, 500) when there is no app output to send.
 */
import type { ServerResponse } from "node:http";
import type { CommitResult, SessionManager } from "../core/manager.js";
import type { Session } from "../core/session.js";
import type { ErrorAnswer } from "./shared.js";

/**
 * Commit `session` and copy the result onto `res`: each Set-Cookie appended
 * as its own line beside the app's, every other header set as core gives it.
 *
 * @example
 * await commitToResponse(sessions, req.session, res);
 */
export async function commitToResponse(sessions: SessionManager<any>, session: Session<any>, res: ServerResponse): Promise<void> {
  copyResult(res, await sessions.commit(session, commitContext(res)));
}

/**
 * {@link commitToResponse} for cookie mode, in the same tick.
 *
 * @example
 * commitToResponseSync(sessions, req.session, res);
 */
export function commitToResponseSync(sessions: SessionManager<any>, session: Session<any>, res: ServerResponse): void {
  copyResult(res, sessions.commitSync(session, commitContext(res)));
}

function commitContext(res: ServerResponse) {
  return { status: res.statusCode, vary: res.getHeader("vary"), cacheControl: res.getHeader("cache-control") };
}

function copyResult(res: ServerResponse, result: CommitResult): void {
  for (const value of result.setCookie) res.appendHeader("Set-Cookie", value);
  for (const [name, value] of result.headers) res.setHeader(name, value);
}

/**
 * Send an adapter's own answer (503, 409, 500) on a response that is not held.
 *
 * @example
 * sendAnswer(res, { status: 503, headers: { "Retry-After": "1" }, body: "retry" });
 */
export function sendAnswer(res: ServerResponse, answer: ErrorAnswer): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
  res.end(answer.body);
}

/**
 * The answer to an error no framework will handle (node:http): a bare 500.
 *
 * @example
 * sendAnswer(res, INTERNAL_ERROR);
 */
export const INTERNAL_ERROR: ErrorAnswer = Object.freeze({
  status: 500,
  headers: { "Content-Type": "text/plain; charset=utf-8" },
  body: "Internal Server Error",
});
