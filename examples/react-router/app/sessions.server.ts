// The app's sessions: what the session holds, declared once, the manager, and
// the storage loaders and actions use (React Router's getSession / commitSession / destroySession).
import { createSessions } from "sessionkit";
import { createSessionStorage, csrfProtection } from "sessionkit/react-router";
import { MemoryStore } from "sessionkit/stores/memory";

declare module "sessionkit" {
  interface SessionData {
    username?: string;
    visits?: number;
  }
}

// SESSION_STORE=memory keeps the sessions on the server; otherwise a signed cookie.
const sessions = createSessions({
  secret: process.env.SECRET_KEY!,
  ...(process.env.SESSION_STORE === "memory" ? { store: new MemoryStore() } : {}),
});

export const { getSession, commitSession, destroySession } = createSessionStorage(sessions);
export const csrf = csrfProtection();

// A stand-in for a user table: any username logs in with the password "pw".
export function checkPassword(username: unknown, password: unknown): { id: string; name: string } | undefined {
  if (typeof username !== "string" || !/^[\w.-]{1,40}$/.test(username) || password !== "pw") return undefined;
  return { id: `user-${username}`, name: username };
}
