/**
 * `sessionkit verify <cookie>`: check a cookie with the secret and say
 * valid, bad signature, expired or bad payload — each with its exit code.
 */
import { BadPayload, BadSignature, createCookieCodec, dumps, SignatureExpired } from "../../codec/index.js";
import { cookieSalt } from "../../core/cookie-mode.js";
import { lastOption, parseArgs, UsageError } from "../args.js";
import { readFormat, readSecrets } from "../secret.js";
import { type CliCommand, EXIT } from "../types.js";

export const command: CliCommand = {
  name: "verify",
  summary: "check a cookie's signature (and age) with the secret",
  help: `usage: sessionkit verify <cookie> [--format flask|signed|encrypted] [--max-age SECONDS]
                        [--cookie-name NAME] [--salt SALT] [--secret-env NAME ...]

Checks the cookie with the secret and prints "valid" with its data and
signing time, or why not. --format defaults to "signed"; use "flask" for a
Flask cookie. --max-age refuses cookies older than SECONDS (Flask:
PERMANENT_SESSION_LIFETIME, 2678400). --cookie-name is the app's cookie name (default "session"): the signed and
encrypted formats bind their MAC to it. The secret comes from the environment
variable named by --secret-env (repeat it for old secrets, newest first) or
from a prompt that does not echo; never from an argument.`,
  async run(argv, io) {
    const args = parseArgs(argv, { valued: ["format", "max-age", "secret-env", "salt", "cookie-name"], flags: ["help"] });
    const cookie = args.positionals[0];
    if (cookie === undefined || args.positionals.length > 1) throw new UsageError("give exactly one cookie value");
    const maxAgeText = lastOption(args, "max-age");
    const maxAgeSeconds = maxAgeText === undefined ? undefined : Number(maxAgeText);
    if (maxAgeSeconds !== undefined && !(Number.isSafeInteger(maxAgeSeconds) && maxAgeSeconds >= 0)) {
      throw new UsageError("--max-age must be a whole number of seconds");
    }
    const format = readFormat(args);
    // sessionkit binds the native formats' MAC to the cookie name (core's cookieSalt); --salt overrides.
    const salt = lastOption(args, "salt") ?? cookieSalt(format, lastOption(args, "cookie-name") ?? "session");
    const codec = createCookieCodec({ format, secrets: await readSecrets(args, io), salt });
    try {
      const opened = codec.open(cookie, maxAgeSeconds === undefined ? {} : { maxAgeSeconds });
      io.out(`valid (${format}; signed at ${new Date(opened.signedAtSeconds * 1000).toISOString()}; secret #${opened.secretIndex})`);
      io.out(`payload: ${dumps(opened.data)}`);
      return EXIT.OK;
    } catch (error) {
      if (error instanceof SignatureExpired) {
        io.out(`expired (${error.reason === "future" ? "signed in the future" : "too old"}; signed at ${error.dateSigned.toISOString()})`);
        return EXIT.EXPIRED;
      }
      if (error instanceof BadSignature) {
        io.out(`bad signature (${error.reason}): not made with this secret and format, or altered`);
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
