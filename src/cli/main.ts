/**
 * The CLI dispatcher: `sessionkit <command> [args]` runs the command of that
 * name from the registry (./registry.ts, one file per command).
 */
import { UsageError } from "./args.js";
import { COMMANDS } from "./registry.js";
import { processIo } from "./terminal.js";
import { type CliCommand, type CliIo, EXIT, EXIT_HELP } from "./types.js";

const COMMAND_NAME = /^[a-z][a-z0-9-]*$/;

function commandNames(): string[] {
  return [...COMMANDS.keys()];
}

async function loadCommand(name: string): Promise<CliCommand | undefined> {
  return COMMANDS.get(name);
}

async function usage(io: CliIo): Promise<string> {
  const lines = ["usage: sessionkit <command> [options]   (sessionkit <command> --help for details)", "", "Commands:"];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  void io;
  return `${lines.join("\n")}\n\n${EXIT_HELP}`;
}

/**
 * Run the CLI on `argv` (without `node` and the script); resolves the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.out(await usage(io));
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.err(`sessionkit: unknown command "${COMMAND_NAME.test(name) ? name : "?"}"\n`);
    io.err(await usage(io));
    return EXIT.USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(`${cmd.help}\n\n${EXIT_HELP}`);
    return EXIT.OK;
  }
  try {
    return await cmd.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`sessionkit ${cmd.name}: ${error.message} (see sessionkit ${cmd.name} --help)`);
      return EXIT.USAGE;
    }
    // Class and code only: an unexpected error's message might hold input we must not print.
    const code = (error as { code?: unknown }).code;
    io.err(`sessionkit ${cmd.name}: internal error ${(error as Error)?.name ?? typeof error}${typeof code === "string" ? ` (${code})` : ""}`);
    return EXIT.INTERNAL;
  }
}
