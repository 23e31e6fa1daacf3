/**
 * `sessionkit sign --data '<json>'`: make a cookie (for tests, migrations,
 * or a Flask app's session made by hand).
 */
import { BadData, createCookieCodec, loads } from "../../codec/index.js";
import { cookieSalt } from "../../core/cookie-mode.js";
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
{" d": "Tue, 02 Jan 2024 03:04:05 GMT"} a datetime. --format defaults to
"signed"; "flask" makes a cookie a Flask app with the same SECRET_KEY reads.
--cookie-name is the app's cookie name (default "session"): the signed and
encrypted formats bind their MAC to it. The secret comes from --secret-env NAME or a prompt that does not echo.`,
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
    const format = readFormat(args);
    // sessionkit binds the native formats' MAC to the cookie name (core's cookieSalt); --salt overrides.
    const salt = lastOption(args, "salt") ?? cookieSalt(format, lastOption(args, "cookie-name") ?? "session");
    const codec = createCookieCodec({ format, secrets: await readSecrets(args, io), salt });
    io.out(codec.encode(data as Record<string, unknown>, nowSeconds === undefined ? {} : { nowSeconds }));
    return EXIT.OK;
  },
};
