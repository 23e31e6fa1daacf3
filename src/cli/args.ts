/**
 * A small argv parser: `--name value`, `--name=value`, boolean flags,
 * repeated options, positionals, and `--` to end options. Unknown options
 * are errors (a typo must not silently change what a command does).
 */

/** Parsed arguments. */
export interface ParsedArgs {
  options: Map<string, string[]>;
  flags: Set<string>;
  positionals: string[];
}

/** An argument error: the message is shown with the command's usage. */
export class UsageError extends Error {
  readonly code = "CLI_USAGE";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parse `argv` given the options that take a value and the boolean flags.
 *
 * @example
 * parseArgs(["c00kie", "--format", "flask"], { valued: ["format"], flags: ["help"] }).options.get("format"); // ["flask"]
 */
export function parseArgs(argv: readonly string[], spec: { valued: readonly string[]; flags: readonly string[] }): ParsedArgs {
  const parsed: ParsedArgs = { options: new Map(), flags: new Set(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--") || arg === "-") {
      if (arg === "-h") parsed.flags.add("help");
      else parsed.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (spec.flags.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      parsed.flags.add(name);
    } else if (spec.valued.includes(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      parsed.options.set(name, [...(parsed.options.get(name) ?? []), value]);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return parsed;
}

/**
 * The last value of an option, or `undefined`.
 *
 * @example
 * lastOption(parsed, "format") ?? "signed";
 */
export function lastOption(parsed: ParsedArgs, name: string): string | undefined {
  return parsed.options.get(name)?.at(-1);
}
