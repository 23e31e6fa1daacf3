/**
 * The CLI's commands, one file each under ./commands/. Listed here rather
 * than found on disk at run time, so that the bundled CLI (dist/) has them:
 * a new command is its file plus one line below.
 */
import { command as decode } from "./commands/decode.js";
import { command as sessions } from "./commands/sessions.js";
import { command as sign } from "./commands/sign.js";
import { command as verify } from "./commands/verify.js";
import type { CliCommand } from "./types.js";

/**
 * Every command by name, in the order `--help` lists them.
 *
 * @example
 * COMMANDS.get("verify")?.run(["<cookie>"], io);
 */
export const COMMANDS: ReadonlyMap<string, CliCommand> = new Map([
  ["decode", decode],
  ["verify", verify],
  ["sign", sign],
  ["sessions", sessions],
]);
