/**
 * Where the CLI gets secrets: `--secret-env NAME` (repeatable, newest first)
 * or a prompt without echo. Never an argument: arguments land in shell
 * history and in `ps` for every user on the machine.
 */
import { lastOption, type ParsedArgs, UsageError } from "./args.js";
import type { CliIo } from "./types.js";

/**
 * The secrets to use, newest first.
 *
 * @example
 * const secrets = await readSecrets(parsed, io); // from $SECRET_KEY with --secret-env SECRET_KEY
 */
export async function readSecrets(parsed: ParsedArgs, io: CliIo): Promise<string[]> {
  const names = parsed.options.get("secret-env") ?? [];
  if (names.length === 0) {
    const secret = await io.readSecret("Secret key (input hidden): ");
    if (secret.length === 0) throw new UsageError("no secret given (use --secret-env NAME or type it at the prompt)");
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
 * The `--format` option, checked.
 *
 * @example
 * readFormat(parsed); // "signed" by default
 */
export function readFormat(parsed: ParsedArgs): "flask" | "signed" | "encrypted" {
  const format = lastOption(parsed, "format") ?? "signed";
  if (format !== "flask" && format !== "signed" && format !== "encrypted") {
    throw new UsageError(`--format must be flask, signed or encrypted`);
  }
  return format;
}
