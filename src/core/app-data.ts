/**
 * The app's session data type, declared once and seen by every adapter.
 *
 * Express, Fastify and Koa put the session on the framework's own request
 * object, whose type an adapter can only extend globally: it cannot learn
 * the type argument of one `createSessions<Data>()` call. So, as
 * express-session and @fastify/session do, the app declares its data by
 * augmenting an empty interface, and `createSessions()` (without a type
 * argument), `Session`, `req.session`, `request.session`, `ctx.session`,
 * `c.get("session")` and the node and Web handlers all use it.
 */

/**
 * The app's session data: empty here, augmented by the app, in a file that
 * imports `sessionkit` (a module augmentation only reaches a module the
 * program loads).
 *
 * @example
 * import { createSessions } from "sessionkit";
 * declare module "sessionkit" {
 *   interface SessionData {
 *     username?: string;
 *     visits?: number;
 *   }
 * }
 * const sessions = createSessions({ secret: process.env.SECRET_KEY! }); // typed by SessionData
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface -- empty so that apps can augment it
export interface SessionData {}

/**
 * The data type a session has when no type argument says otherwise: the
 * app's {@link SessionData}, or, when the app has declared none, any string
 * key with `unknown` values (read values must be narrowed before use).
 *
 * @example
 * const session: Session<AppSessionData> = req.session;
 */
export type AppSessionData = keyof SessionData extends never ? Record<string, unknown> : SessionData;

/**
 * What a session's data type must be: an object type with string keys. Its
 * values are `any` so that an interface qualifies: an interface has no
 * implicit index signature, so it is never a `Record<string, unknown>`. The
 * session's own values stay as the app typed them.
 *
 * @example
 * function greet<Data extends SessionDataShape & { username?: string }>(session: Session<Data>) {}
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: `unknown` would refuse interfaces
export type SessionDataShape = Record<string, any>;
