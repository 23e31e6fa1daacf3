/**
 * The CLI's contract: what a command is, what it may use, and the exit codes.
 * A command is one file, `src/cli/commands/<name>.ts`, exporting `command`;
 * the dispatcher finds it by name, so adding one touches no other file.
 */

/**
 * Exit codes, distinct per outcome so scripts can branch on them. The BSD
 * sysexits numbers where one fits (64 usage, 65 data, 69 unavailable, 70
 * internal). Each command lists the ones it uses in its `--help`.
 */
export const EXIT = Object.freeze({
  /** Done; for `verify`, the cookie is valid. */
  OK: 0,
  /** The signature does not match (forged, wrong secret, wrong format) or the value is malformed. */
  BAD_SIGNATURE: 1,
  /** Authentic but expired (older than --max-age) or signed in the future. */
  EXPIRED: 2,
  /** Authentic but the payload cannot be decoded. */
  BAD_PAYLOAD: 3,
  /** Wrong usage: unknown command or option, missing argument or secret, a secret sessionkit refuses. */
  USAGE: 64,
  /** The input given (`sign --data`) is not valid, or (`sessions`) no session or several match. */
  DATA_ERROR: 65,
  /** The store cannot be used: not found, unreachable, refusing the credentials, without its table. */
  UNAVAILABLE: 69,
  /** A bug in sessionkit: something failed that is neither the input's fault nor the store's. */
  INTERNAL: 70,
});

/** One row of an exit-code table: the code and what it means for that command. */
export type ExitCodeRow = readonly [code: number, meaning: string];

/** Rows every command shares. */
export const COMMON_EXIT_CODES: readonly ExitCodeRow[] = [
  [EXIT.USAGE, "usage error (unknown option, missing argument or secret)"],
  [EXIT.INTERNAL, "internal error (a bug in sessionkit: please report it)"],
];

/**
 * The exit-code table a `--help` prints: the command's own rows, then the common ones.
 *
 * @example
 * exitHelp([[0, "valid"], [1, "bad signature"]]);
 */
export function exitHelp(rows: readonly ExitCodeRow[]): string {
  const all = [...rows, ...COMMON_EXIT_CODES.filter(([code]) => !rows.some(([own]) => own === code))].sort((a, b) => a[0] - b[0]);
  return `Exit codes:\n${all.map(([code, meaning]) => `  ${String(code).padEnd(3)} ${meaning}`).join("\n")}`;
}

/** The exit-code table of `sessionkit --help` (each command's `--help` has its own). */
export const EXIT_HELP = exitHelp([[EXIT.OK, "help or version shown"]]);

/** What a command may touch: injected so tests and other front ends can run it in-process. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Ask for a secret without echo (or read a line from a non-TTY stdin). */
  readSecret(prompt: string): Promise<string>;
}

/**
 * One CLI command.
 *
 * @example
 * export const command: CliCommand = { name: "hello", summary: "say hello", help: "usage: sessionkit hello", exitCodes: [[0, "said"]], run: async (_a, io) => { io.out("hello"); return EXIT.OK } };
 */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text (the dispatcher appends the exit codes). */
  readonly help: string;
  /** The exit codes this command uses, with their meaning (64 and 70 are added for every command). */
  readonly exitCodes: readonly ExitCodeRow[];
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
