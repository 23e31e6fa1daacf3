/**
 * `sessionkit verify <cookie>`: check a cookie with the secret and say
 * valid, bad signature, expired or bad payload — each with its exit code.
 * Without `--format` or SESSION_FORMAT, the cookie's shape picks the format
 * (as `decode` shows it), so a Flask cookie verifies as one. A chunked
 * session is joined first, as the server joins it (cookie-input.ts).
 */
import { BadPayload, BadSignature, createCookieCodec, dumps, SignatureExpired } from "../../codec/index.js";
import { cookieSalt } from "../../core/cookie-mode.js";
import { lastOption, parseArgs, UsageError } from "../args.js";
import { readCookieInput, readMaxChunks } from "../cookie-input.js";
import { formatFromShape, isoSeconds } from "../cookie-shape.js";
import { readFormat, readSecrets } from "../secret.js";
import { type CliCommand, EXIT } from "../types.js";

/** A signing time for output: its ISO date, or words when no date can hold it (a Date that large is invalid). */
function when(seconds: number): string {
  return isoSeconds(seconds) ?? "a time beyond any date";
}

export const command: CliCommand = {
  name: "verify",
  summary: "check a cookie's signature (and age) with the secret",
  help: `usage: sessionkit verify <cookie> [--format flask|signed|encrypted] [--max-age SECONDS]
                        [--cookie-name NAME] [--salt SALT] [--secret-env NAME ...]
                        [--max-chunks N]
       sessionkit verify <chunk 0> <chunk 1> ... [options]
       sessionkit verify '<Cookie header>' [options]

Checks the cookie with the secret and prints "valid" with its data and
signing time, or why not. The format is --format, else SESSION_FORMAT, else
the one the cookie's shape shows (a 27-character signature is "flask", 43 is
"signed", one block is "encrypted"). --max-age refuses cookies older than
SECONDS (Flask: PERMANENT_SESSION_LIFETIME, 2678400). --cookie-name is the
app's cookie name (default "session"): the signed and encrypted formats bind
their MAC to it. The secret comes from the environment variable named by
--secret-env (repeat it for old secrets, newest first), else SECRET_KEY,
else a prompt that does not echo; never from an argument.

A session cut into chunks (cookie.maxChunks: session.0, session.1, ...) is
joined first, and its one signature covers the joined value: give the
chunks' values in order, or the whole Cookie header (session.0=...;
session.1=...), which is read as the server reads it (--cookie-name picks
the cookie, --max-chunks is the app's cookie.maxChunks, default 3).`,
  exitCodes: [
    [EXIT.OK, "valid"],
    [EXIT.BAD_SIGNATURE, "bad signature (forged, another secret or format, altered) or malformed value"],
    [EXIT.EXPIRED, "authentic, but older than --max-age or signed in the future"],
    [EXIT.BAD_PAYLOAD, "authentic, but the payload cannot be decoded"],
  ],
  async run(argv, io) {
    const args = parseArgs(argv, { valued: ["format", "max-age", "secret-env", "salt", "cookie-name", "max-chunks"], flags: ["help"] });
    const cookieName = lastOption(args, "cookie-name") ?? "session";
    const input = readCookieInput(args.positionals, cookieName, readMaxChunks(args));
    if ("problem" in input) {
      io.err(input.problem);
      return EXIT.BAD_SIGNATURE;
    }
    const cookie = input.value;
    const maxAgeText = lastOption(args, "max-age");
    const maxAgeSeconds = maxAgeText === undefined ? undefined : Number(maxAgeText);
    if (maxAgeSeconds !== undefined && !(Number.isSafeInteger(maxAgeSeconds) && maxAgeSeconds >= 0)) {
      throw new UsageError("--max-age must be a whole number of seconds");
    }
    const shape = formatFromShape(cookie);
    const format = readFormat(args, io.env) ?? shape ?? "signed";
    // sessionkit binds the native formats' MAC to the cookie name (core's cookieSalt); --salt overrides.
    const salt = lastOption(args, "salt") ?? cookieSalt(format, cookieName);
    const codec = createCookieCodec({ format, secrets: await readSecrets(args, io), salt });
    for (const note of input.notes) io.out(note);
    try {
      const opened = codec.open(cookie, maxAgeSeconds === undefined ? {} : { maxAgeSeconds });
      io.out(`valid (${format}; signed at ${when(opened.signedAtSeconds)}; secret #${opened.secretIndex})`);
      io.out(`payload: ${dumps(opened.data)}`);
      return EXIT.OK;
    } catch (error) {
      if (error instanceof SignatureExpired) {
        io.out(`expired (${error.reason === "future" ? "signed in the future" : "too old"}; signed at ${when(error.dateSigned.getTime() / 1000)})`);
        return EXIT.EXPIRED;
      }
      if (error instanceof BadSignature) {
        // Checked as one format, shaped as another: say which, rather than leave "malformed" unexplained.
        const hint = shape !== undefined && shape !== format ? `; its shape is the ${shape} format's: try --format ${shape}` : "";
        io.out(`bad signature (${error.reason}): not made with this secret and format (${format}), or altered${hint}`);
        return EXIT.BAD_SIGNATURE;
      }
      if (error instanceof BadPayload) {
        io.out("bad payload: authentic, but its content cannot be decoded");
        return EXIT.BAD_PAYLOAD;
      }
      throw error;
    }
  },
};
