/**
 * `sessionkit sign --data '<json>'`: make a cookie (for tests, migrations,
 * or a Flask app's session made by hand). The secret and cookie name pass
 * the checks `createSessions` makes, by the same code: the CLI never makes
 * a cookie the library would refuse to make.
 */
import { BadData, createCookieCodec, loads } from "../../codec/index.js";
import { cookieSalt } from "../../core/cookie-mode.js";
import { ConfigError } from "../../core/errors.js";
import { resolveOptions } from "../../core/options.js";
import { lastOption, parseArgs, UsageError } from "../args.js";
import { readFormat, readSecrets } from "../secret.js";
import { type CliCommand, EXIT } from "../types.js";

export const command: CliCommand = {
  name: "sign",
  summary: "make a cookie from JSON data with the secret",
  help: `usage: sessionkit sign --data '<json object>' [--format flask|signed|encrypted]
                      [--now UNIX_SECONDS] [--cookie-name NAME] [--salt SALT] [--secret-env NAME]

Prints a cookie value holding the data, signed (or encrypted) with the
secret. The data is Flask's tagged JSON, so {" t": [1, 2]} is a tuple and
{" d": "Tue, 02 Jan 2024 03:04:05 GMT"} a datetime. The format is --format,
else SESSION_FORMAT, else "signed"; "flask" makes a cookie a Flask app with
the same SECRET_KEY reads. --cookie-name is the app's cookie name (default
"session"): the signed and encrypted formats bind their MAC to it. The
secret comes from --secret-env NAME, else SECRET_KEY, else a prompt that
does not echo. A secret createSessions refuses (under 32 bytes, or a
well-known placeholder, in the signed and encrypted formats) is refused
here too; the flask format accepts a short Flask key with a warning.`,
  exitCodes: [
    [EXIT.OK, "the cookie was printed"],
    [EXIT.USAGE, "usage error (unknown option, missing argument or secret, a secret or cookie name createSessions refuses)"],
    [EXIT.DATA_ERROR, "--data is not a JSON object"],
  ],
  async run(argv, io) {
    const args = parseArgs(argv, { valued: ["data", "format", "now", "secret-env", "salt", "cookie-name"], flags: ["help"] });
    if (args.positionals.length > 0) throw new UsageError("sign takes no positional argument; pass the data with --data");
    const text = lastOption(args, "data");
    if (text === undefined) throw new UsageError("--data is required");
    const nowText = lastOption(args, "now");
    const nowSeconds = nowText === undefined ? undefined : Number(nowText);
    if (nowSeconds !== undefined && !(Number.isSafeInteger(nowSeconds) && nowSeconds >= 0)) throw new UsageError("--now must be Unix seconds");
    let data: unknown;
    try {
      data = loads(text);
    } catch (error) {
      if (!(error instanceof BadData)) throw error;
      io.err(`--data is not valid JSON (${error.message.replace(/^sessionkit\/codec: /, "")})`);
      return EXIT.DATA_ERROR;
    }
    if (typeof data !== "object" || data === null || Object.getPrototypeOf(data) !== null) {
      io.err("--data must be a JSON object");
      return EXIT.DATA_ERROR;
    }
    const format = readFormat(args, io.env) ?? "signed";
    const secrets = await readSecrets(args, io);
    const cookieName = lastOption(args, "cookie-name") ?? "session";
    try {
      // createSessions' own checks: the secrets for this format, the cookie name.
      resolveOptions({ secrets, format, cookie: { name: cookieName } });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      // Its message names the option and what to do, never the secret.
      throw new UsageError(`createSessions would refuse this: ${error.message.replace(/^sessionkit: /, "")}`);
    }
    // sessionkit binds the native formats' MAC to the cookie name (core's cookieSalt); --salt overrides.
    const salt = lastOption(args, "salt") ?? cookieSalt(format, cookieName);
    const codec = createCookieCodec({ format, secrets, salt });
    io.out(codec.encode(data as Record<string, unknown>, nowSeconds === undefined ? {} : { nowSeconds }));
    return EXIT.OK;
  },
};
