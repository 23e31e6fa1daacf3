/**
 * Where the CLI gets secrets and the cookie format. Secrets come from
 * `--secret-env NAME` (repeatable, newest first), else from SECRET_KEY (the
 * variable the tutorial reads), else from a prompt without echo; never from
 * an argument, which lands in shell history and in `ps` for every user on
 * the machine. The format comes from `--format`, else SESSION_FORMAT.
 */
import type { CookieFormat } from "../codec/index.js";
import { lastOption, type ParsedArgs, UsageError } from "./args.js";
import type { CliIo } from "./types.js";

const FORMATS: readonly CookieFormat[] = ["flask", "signed", "encrypted"];

/**
 * The secrets to use, newest first.
 *
 * @example
 * const secrets = await readSecrets(parsed, io); // from $SECRET_KEY, or --secret-env NAME
 */
export async function readSecrets(parsed: ParsedArgs, io: CliIo): Promise<string[]> {
  const names = parsed.options.get("secret-env") ?? [];
  if (names.length === 0) {
    const fromEnv = io.env.SECRET_KEY;
    if (fromEnv !== undefined && fromEnv !== "") return [fromEnv];
    const secret = await io.readSecret("Secret key (input hidden): ");
    if (secret.length === 0) throw new UsageError("no secret given (set SECRET_KEY, use --secret-env NAME, or type it at the prompt)");
    return [secret];
  }
  return names.map((name) => {
    const value = io.env[name];
    // Name the variable, never its value.
    if (value === undefined || value.length === 0) throw new UsageError(`environment variable ${name} is not set or empty`);
    return value;
  });
}

/**
 * The format asked for: `--format`, else SESSION_FORMAT (trimmed, any case,
 * as the tutorial reads it), else `undefined`. Checked, naming its source.
 *
 * @example
 * readFormat(parsed, io.env) ?? "signed";
 */
export function readFormat(parsed: ParsedArgs, env: CliIo["env"] = {}): CookieFormat | undefined {
  const option = lastOption(parsed, "format");
  const fromEnv = env.SESSION_FORMAT?.trim().toLowerCase();
  const [format, source] = option !== undefined ? [option, "--format"] : fromEnv ? [fromEnv, "SESSION_FORMAT"] : [undefined, ""];
  if (format === undefined) return undefined;
  if (!FORMATS.includes(format as CookieFormat)) throw new UsageError(`${source} must be flask, signed or encrypted`);
  return format as CookieFormat;
}
