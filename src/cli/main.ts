/**
 * The CLI dispatcher: `sessionkit <command> [args]` runs the command of that
 * name from the registry (./registry.ts, one file per command).
 */
import { describeStoreCause } from "../core/store-cause.js";
import { UsageError } from "./args.js";
import { COMMANDS } from "./registry.js";
import { processIo } from "./terminal.js";
import { type CliCommand, type CliIo, EXIT, EXIT_HELP, exitHelp } from "./types.js";
import { packageVersion } from "./version.js";

const COMMAND_NAME = /^[a-z][a-z0-9-]*$/;

function commandNames(): string[] {
  return [...COMMANDS.keys()];
}

async function loadCommand(name: string): Promise<CliCommand | undefined> {
  return COMMANDS.get(name);
}

async function usage(io: CliIo): Promise<string> {
  const lines = ["usage: sessionkit <command> [options]   (sessionkit <command> --help for details)", "       sessionkit --version", "", "Commands:"];
  for (const name of commandNames()) {
    const cmd = await loadCommand(name);
    if (cmd) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  }
  void io;
  lines.push("", "Configuration: the commands read the environment the tutorial reads (SESSION_STORE,", "SESSION_STORE_PREFIX, SECRET_KEY, SESSION_FORMAT); options override it.");
  return `${lines.join("\n")}\n\n${EXIT_HELP}\n(each command's --help lists its own)`;
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
  if (name === "--version" || name === "-v") {
    io.out(`sessionkit ${packageVersion() ?? "(version unknown: package.json not found)"}`);
    return EXIT.OK;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    io.err(`sessionkit: unknown command "${COMMAND_NAME.test(name) ? name : "?"}"\n`);
    io.err(await usage(io));
    return EXIT.USAGE;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.out(`${cmd.help}\n\n${exitHelp(cmd.exitCodes)}`);
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
    io.err(`sessionkit ${cmd.name}: internal error (${describeStoreCause(error).text}); please report it`);
    return EXIT.INTERNAL;
  }
}
