/**
 * Checking the login form. Everything from the network is untrusted: a
 * field may be missing, sent twice (then Express gives an array), empty, or
 * ten kilobytes long. Each case is a {@link BadRequestError} with a message
 * for the visitor, never a crash.
 */
import type { Request } from "express";
import { BadRequestError } from "./errors.js";

/**
 * A checked login form.
 *
 * @example
 * const form: LoginForm = { username: "alice", password: "pw", remember: false };
 */
export interface LoginForm {
  username: string;
  password: string;
  remember: boolean;
}

/**
 * Longest username accepted, in characters.
 *
 * @example
 * if (name.length > MAX_USERNAME_LENGTH) throw new BadRequestError("too long");
 */
export const MAX_USERNAME_LENGTH = 100;
/** Longest password accepted: enough for any passphrase, bounded so hashing cannot be abused. */
const MAX_PASSWORD_LENGTH = 1024;

/** One text field: absent → "", twice → an error, anything but a string → an error. */
function field(body: Record<string, unknown>, name: string): string {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined) return "";
  if (Array.isArray(value)) throw new BadRequestError(`The field “${name}” was sent more than once.`, "/login");
  if (typeof value !== "string") throw new BadRequestError(`The field “${name}” must be text.`, "/login");
  return value;
}

/**
 * Read and check the login form of a request.
 *
 * @example
 * const { username, password, remember } = readLoginForm(req);
 */
export function readLoginForm(req: Request): LoginForm {
  if (!req.is("application/x-www-form-urlencoded")) {
    throw new BadRequestError("Send the login form as application/x-www-form-urlencoded (an HTML form does this).", "/login");
  }
  const body = req.body as Record<string, unknown> | undefined;
  if (body === undefined || body === null || typeof body !== "object") throw new BadRequestError("The form was empty.", "/login");
  const username = field(body, "username").trim();
  const password = field(body, "password");
  const remember = field(body, "remember");
  if (username === "") throw new BadRequestError("Enter a username or email.", "/login");
  if (username.length > MAX_USERNAME_LENGTH) {
    throw new BadRequestError(`The username is too long: at most ${MAX_USERNAME_LENGTH} characters.`, "/login");
  }
  // Control characters would make a username that looks like another one (or breaks a log line).
  if (/[\u0000-\u001f\u007f]/.test(username)) throw new BadRequestError("The username contains control characters.", "/login");
  if (password === "") throw new BadRequestError("Enter a password (any password works in this demo).", "/login");
  if (password.length > MAX_PASSWORD_LENGTH) throw new BadRequestError("The password is too long.", "/login");
  return { username, password, remember: remember !== "" };
}
