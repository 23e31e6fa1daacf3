// The app's sessions: what the session holds, declared once, and the manager.
import { createSessions, type SessionManager } from "sessionkit";
import type { SessionSource } from "sessionkit/next";
import { MemoryStore } from "sessionkit/stores/memory";

declare module "sessionkit" {
  interface SessionData {
    username?: string;
    visits?: number;
  }
}

// Next.js bundles Route Handlers and pages apart, each with its own copy of
// this module (and of sessionkit): the store, like any database client, is
// kept on globalThis so that every copy uses the same one.
const shared = globalThis as typeof globalThis & { sessionStore?: MemoryStore };

let manager: SessionManager | undefined;

// Made on the first request, not at import: `next build` imports this module
// without the server's secrets.
// SESSION_FORMAT=flask shares the login with a Flask app of the same SECRET_KEY;
// SESSION_STORE=memory keeps sessions on the server (one process: `next start`).
export const sessions: SessionSource = () =>
  (manager ??= createSessions({
    secret: process.env.SECRET_KEY!,
    format: process.env.SESSION_FORMAT === "flask" ? "flask" : "signed",
    ...(process.env.SESSION_STORE === "memory" ? { store: (shared.sessionStore ??= new MemoryStore()) } : {}),
  }));
