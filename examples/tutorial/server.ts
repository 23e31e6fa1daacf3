/**
 * The tutorial app: `npm start` runs this file. `createTutorialApp` builds
 * the Express app from a configuration (the tests call it); run directly,
 * the file reads the environment and listens on PORT.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import express from "express";
import { createSessions, type SessionManager } from "sessionkit";
import { sessionMiddleware } from "sessionkit/express";
import { readConfig, type TutorialConfig } from "./config.js";
import { errorPages, notFound, sessionErrorAnswer } from "./errors.js";
import { tutorialRoutes, type TutorialData } from "./routes.js";
import { checkStore, StoreStartupError, startupFailure } from "./startup.js";
import { openStore, storeLabel, type OpenedStore } from "./store.js";

/**
 * A built tutorial app, not yet listening.
 *
 * @example
 * const { app, close } = await createTutorialApp(readConfig());
 */
export interface TutorialApp {
  app: express.Express;
  sessions: SessionManager<TutorialData>;
  /** Where sessions live, as shown on the pages. */
  storage: string;
  /** Release the store (database file, connection). */
  close(): Promise<void>;
}

/**
 * A listening tutorial app.
 *
 * @example
 * const running = await startTutorial({ ...readConfig(), port: 0 }); await fetch(running.url);
 */
export interface RunningTutorial extends TutorialApp {
  /** `http://127.0.0.1:PORT` (or the host it listens on). */
  url: string;
  port: number;
  /** Release only the store, leaving the server up (tests use it to make the store fail). */
  closeStore(): Promise<void>;
}

const stylesheet = readFileSync(new URL("./style.css", import.meta.url), "utf8");

/**
 * Build the tutorial app, once its store has passed `sessions.ready()`: a
 * store it cannot use is a StoreStartupError (or a TutorialConfigError for a
 * malformed SESSION_STORE) that says why, never an app answering 503.
 *
 * @example
 * const tutorial = await createTutorialApp(readConfig({ SESSION_STORE: "memory" }));
 * tutorial.app.listen(3000);
 */
export async function createTutorialApp(config: TutorialConfig): Promise<TutorialApp> {
  const label = storeLabel(config.store); // a malformed URL fails here, before anything is opened
  let opened: OpenedStore;
  try {
    opened = await openStore(config.store, config.storePrefix);
  } catch (error) {
    throw new StoreStartupError(label, error);
  }
  let sessions: SessionManager<TutorialData>;
  try {
    sessions = createSessions<TutorialData>({
      secret: config.secretKey,
      // Only cookie mode has a format; with a store the cookie holds a random id.
      format: config.format,
      store: opened.store,
      // "Your devices" (opt-in): each login records its browser and OS family and network, where the store can list a user's sessions.
      devices: opened.store !== undefined && typeof opened.store.listForUser === "function" && opened.store.rawIds !== true,
      lifetime: "31d", // Flask's PERMANENT_SESSION_LIFETIME default
      ...(config.regenerateGraceSeconds === undefined ? {} : { regenerateGraceSeconds: config.regenerateGraceSeconds }),
    });
    await checkStore(sessions, opened.label);
  } catch (error) {
    await opened.close();
    throw error;
  }
  const storage = opened.store === undefined ? `cookie (${config.format})` : opened.label;

  const app = express();
  app.disable("x-powered-by");
  app.use(sessionMiddleware(sessions, { onError: sessionErrorAnswer(storage) }));
  app.use(tutorialRoutes({ sessions, format: config.format, storage, stylesheet }));
  app.use(notFound(storage));
  app.use(errorPages(storage));
  return { app, sessions, storage, close: opened.close };
}

/**
 * Build the app and listen. Port 0 picks a free port (tests).
 *
 * @example
 * const tutorial = await startTutorial({ ...readConfig(), port: 0 });
 * await fetch(tutorial.url);
 * await tutorial.close();
 */
export async function startTutorial(config: TutorialConfig, host = "127.0.0.1"): Promise<RunningTutorial> {
  const built = await createTutorialApp(config);
  const server = built.app.listen(config.port, host);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
  } catch (error) {
    await built.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  return {
    ...built,
    url: `http://${host === "0.0.0.0" || host === "::" ? "localhost" : host}:${port}`,
    port,
    closeStore: built.close,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await built.close();
    },
  };
}

async function main(): Promise<void> {
  const config = readConfig();
  if (config.secretGenerated) {
    console.warn(
      "tutorial: SECRET_KEY is not set, so a random one was generated for this run: sessions will not survive a restart.\n" +
        "          Set one with: export SECRET_KEY=$(node -e \"console.log(require('crypto').randomBytes(32).toString('base64url'))\")",
    );
  }
  // Listen on every interface only when asked; the tutorial is for this machine.
  const running = await startTutorial(config, process.env.HOST ?? "localhost");
  console.log(`sessionkit tutorial on http://localhost:${running.port} (sessions: ${running.storage})`);
  const stop = (): void => {
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`tutorial: shutdown failed (${(error as Error)?.name ?? typeof error})`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

// Run only when started as a program (`npm start`), not when a test imports createTutorialApp.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    const { message, exitCode } = startupFailure(error);
    console.error(message);
    process.exit(exitCode);
  });
}
