/**
 * Schema-validated session data: `createSessions({ schema })` takes any
 * Standard Schema v1 validator (zod, valibot, arktype…) and checks the
 * session's data with it: on load (a refusal gives a fresh session and a
 * `cookie_rejected` event with reason `invalid_data`), at every change
 * (set, pop, delete, setdefault: the data the call would leave must pass, or
 * the call throws SessionDataError and changes nothing), and at the commit of
 * a changed session (a value changed in place).
 *
 * Rules, chosen so that a session can always be emptied and always loads
 * without waiting:
 * - the schema sees the app's keys only, as one object (never sessionkit's
 *   reserved keys: `_permanent`, `_flashes`, `csrf_token`, `_sk_*`);
 * - an empty session always passes (a fresh session is empty, and clear(),
 *   destroy() and login() must always work): make keys optional, as session
 *   data mostly is;
 * - the schema checks, it does not rewrite: the session keeps the values it
 *   was given, so transforms and defaults do not apply (use plain schemas);
 * - validation must be synchronous: cookie sessions load and commit without
 *   waiting, and set() returns at once. An async schema is refused at
 *   createSessions when a probe with `{}` shows it, else at its first use,
 *   with a ConfigError.
 */
import { ConfigError, SessionDataError, type SessionDataIssue } from "./errors.js";
import { RESERVED } from "./session-data.js";
import type { StandardSchemaV1 } from "./standard-schema.js";

/** A schema as createSessions keeps it. */
export type SessionSchema = StandardSchemaV1<unknown, unknown>;

const ASYNC = "validates asynchronously (an async refine or check); session data is checked at set() and at load without waiting, so give a schema whose checks are synchronous.";

/**
 * Check the `schema` option: a Standard Schema v1 validator that validates synchronously.
 *
 * @example
 * resolveSchema(z.object({ username: z.string().optional() }));
 */
export function resolveSchema(schema: unknown): SessionSchema | undefined {
  if (schema === undefined) return undefined;
  const props = (schema as { "~standard"?: { version?: unknown; validate?: unknown } } | null)?.["~standard"];
  if (typeof props !== "object" || props === null || props.version !== 1 || typeof props.validate !== "function") {
    throw new ConfigError("schema", "pass a Standard Schema v1 validator, such as zod's `z.object({ … })` (zod ≥ 3.24), valibot's `v.object({ … })` (valibot ≥ 1.0) or an arktype `type({ … })`.");
  }
  const probe = (props.validate as (value: unknown) => unknown)(Object.create(null));
  if (probe instanceof Promise) {
    probe.catch(() => {}); // the probe's outcome does not matter: only that it did not answer at once
    throw new ConfigError("schema", ASYNC);
  }
  return schema as SessionSchema;
}

/**
 * What the schema says of a session's values (reserved keys left out):
 * undefined when it accepts them, else its issues. An empty session always passes.
 *
 * @example
 * const issues = schemaIssues(schema, session data values);
 */
export function schemaIssues(schema: SessionSchema, values: Iterable<readonly [string, unknown]>): readonly SessionDataIssue[] | undefined {
  const data = Object.create(null) as Record<string, unknown>;
  let empty = true;
  for (const [key, value] of values) {
    if (RESERVED.has(key)) continue;
    // defineProperty, not assignment: a key named `__proto__` is data like any other.
    Object.defineProperty(data, key, { value, enumerable: true, writable: true, configurable: true });
    empty = false;
  }
  if (empty) return undefined;
  const result = schema["~standard"].validate(data);
  if (result instanceof Promise) {
    result.catch(() => {}); // refused below as a configuration error; its outcome must not become an unhandled rejection
    throw new ConfigError("schema", ASYNC);
  }
  if (result.issues === undefined) return undefined;
  return result.issues.map((issue) => ({
    path: (issue.path ?? []).map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment)),
    message: String(issue.message),
  }));
}

/**
 * Throw SessionDataError when the schema refuses `values`.
 *
 * @example
 * assertSchema(schema, wouldBe, "set");
 */
export function assertSchema(schema: SessionSchema | undefined, values: Iterable<readonly [string, unknown]>, method: string): void {
  if (schema === undefined) return;
  const issues = schemaIssues(schema, values);
  if (issues !== undefined) throw new SessionDataError(method, issues);
}
