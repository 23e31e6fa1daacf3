// The app's sessions: what the session holds, declared once, and the manager.
import { env } from "$env/dynamic/private";
import { createSessions, type SessionManager } from "sessionkit";
import type { SessionSource } from "sessionkit/sveltekit";
import { MemoryStore } from "sessionkit/stores/memory";

declare module "sessionkit" {
  interface SessionData {
    username?: string;
    visits?: number;
  }
}

let manager: SessionManager | undefined;

// Made on the first request: SvelteKit's build imports the server hooks
// without the server's secrets.
// SESSION_STORE=memory keeps the sessions on the server; otherwise a signed cookie.
export const sessions: SessionSource = () =>
  (manager ??= createSessions({
    secret: env.SECRET_KEY!,
    ...(env.SESSION_STORE === "memory" ? { store: new MemoryStore() } : {}),
  }));

// A stand-in for a user table: any username logs in with the password "pw".
export function checkPassword(username: unknown, password: unknown): { id: string; name: string } | undefined {
  if (typeof username !== "string" || !/^[\w.-]{1,40}$/.test(username) || password !== "pw") return undefined;
  return { id: `user-${username}`, name: username };
}
