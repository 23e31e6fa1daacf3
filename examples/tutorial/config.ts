/**
 * The tutorial's configuration, read once from environment variables.
 *
 * Everything the app can be told lives here, so that `server.ts` and the
 * tests build the same app from a plain object.
 */
import { randomBytes } from "node:crypto";

/**
 * The cookie formats sessionkit offers in cookie mode.
 *
 * @example
 * const format: TutorialFormat = "flask";
 */
export type TutorialFormat = "signed" | "flask" | "encrypted";

/**
 * What the tutorial app needs to start.
 *
 * @example
 * const config: TutorialConfig = { ...readConfig(), port: 0 };
 */
export interface TutorialConfig {
  /** TCP port; 0 lets the system choose (the tests do). */
  port: number;
  /** The signing secret (Flask's SECRET_KEY). */
  secretKey: string;
  /** True when no SECRET_KEY was given and a random one was made up. */
  secretGenerated: boolean;
  /** Cookie format (cookie mode): `signed`, `flask` or `encrypted`. */
  format: TutorialFormat;
  /** Where sessions live: `sqlite`, `sqlite:path`, `memory`, `cookie`, `redis://…`, `flask-session+redis://…`, `postgres://…`, `file:dir`. */
  store: string;
  /** Key prefix / table suffix for the store, so several apps (or test files) can share one server; Flask-Session's SESSION_KEY_PREFIX with `flask-session+redis://`. */
  storePrefix: string | undefined;
  /** Seconds a regenerated session id stays readable (sessionkit's default is 10). */
  regenerateGraceSeconds: number | undefined;
}

/**
 * A configuration value that cannot be used; the message says what to change.
 *
 * @example
 * try { readConfig({ PORT: "http" }) } catch (e) { if (e instanceof TutorialConfigError) console.error(e.variable) }
 */
export class TutorialConfigError extends Error {
  readonly code = "TUTORIAL_CONFIG_INVALID";
  /** The environment variable at fault. */
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`tutorial: ${variable}: ${message}`);
    this.name = "TutorialConfigError";
    this.variable = variable;
  }
}

const FORMATS: readonly TutorialFormat[] = ["signed", "flask", "encrypted"];

/**
 * Read the configuration from an environment (by default `process.env`).
 * A missing SECRET_KEY is replaced by a random one, and `secretGenerated`
 * tells the caller to warn that sessions will not survive a restart.
 *
 * @example
 * const config = readConfig({ PORT: "8080", SESSION_STORE: "memory" });
 * config.port; // 8080
 */
export function readConfig(env: NodeJS.ProcessEnv = process.env): TutorialConfig {
  const port = parsePort(env.PORT);
  const given = env.SECRET_KEY ?? "";
  const format = (env.SESSION_FORMAT ?? "signed").trim().toLowerCase();
  if (!FORMATS.includes(format as TutorialFormat)) {
    throw new TutorialConfigError("SESSION_FORMAT", `use one of ${FORMATS.join(", ")}.`);
  }
  const grace = env.SESSION_REGENERATE_GRACE_SECONDS;
  let regenerateGraceSeconds: number | undefined;
  if (grace !== undefined && grace !== "") {
    regenerateGraceSeconds = Number(grace);
    if (!Number.isFinite(regenerateGraceSeconds) || regenerateGraceSeconds < 0) {
      throw new TutorialConfigError("SESSION_REGENERATE_GRACE_SECONDS", "use a number of seconds ≥ 0.");
    }
  }
  const prefix = env.SESSION_STORE_PREFIX;
  if (prefix !== undefined && prefix !== "" && !/^[A-Za-z0-9_:-]{1,64}$/.test(prefix)) {
    throw new TutorialConfigError("SESSION_STORE_PREFIX", "use 1 to 64 letters, digits, `_`, `-` or `:`.");
  }
  return {
    port,
    // 32 random bytes: what sessionkit asks for. It lives only in this process, hence the warning.
    secretKey: given !== "" ? given : randomBytes(32).toString("base64url"),
    secretGenerated: given === "",
    format: format as TutorialFormat,
    store: (env.SESSION_STORE ?? "sqlite").trim() || "sqlite",
    storePrefix: prefix === "" ? undefined : prefix,
    regenerateGraceSeconds,
  };
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === "") return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TutorialConfigError("PORT", "use a whole number between 0 and 65535.");
  }
  return port;
}
