/**
 * The CLI's contract: what a command is, what it may use, and the exit codes.
 * A command is one file, `src/cli/commands/<name>.ts`, exporting `command`;
 * the dispatcher finds it by name, so adding one touches no other file.
 */

/** Exit codes, distinct per outcome so scripts can branch on them (documented in every `--help`). */
export const EXIT = Object.freeze({
  /** Done; for `verify`, the cookie is valid. */
  OK: 0,
  /** The signature does not match (forged, wrong secret, wrong format) or the value is malformed. */
  BAD_SIGNATURE: 1,
  /** Authentic but expired (older than --max-age) or signed in the future. */
  EXPIRED: 2,
  /** Authentic but the payload cannot be decoded. */
  BAD_PAYLOAD: 3,
  /** Wrong usage: unknown command or option, missing argument or secret. */
  USAGE: 64,
  /** The input given (`--data`) is not valid. */
  DATA_ERROR: 65,
  /** Something failed that is not the input's fault. */
  INTERNAL: 70,
});

/** The exit-code table every `--help` prints. */
export const EXIT_HELP = `Exit codes:
  0   ok (verify: valid)
  1   bad signature or malformed value
  2   expired, or signed in the future
  3   authentic, but the payload cannot be decoded
  64  usage error (unknown option, missing argument or secret)
  65  bad --data
  70  internal error`;

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
 * export const command: CliCommand = { name: "hello", summary: "say hello", help: "usage: sessionkit hello", run: async (_a, io) => { io.out("hello"); return EXIT.OK } };
 */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full `--help` text (the dispatcher appends the exit codes). */
  readonly help: string;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
