export { main } from "./main.js";
export { EXIT, EXIT_HELP } from "./types.js";
export type { CliCommand, CliIo } from "./types.js";
export { parseArgs, lastOption, UsageError } from "./args.js";
export type { ParsedArgs } from "./args.js";
export { readFormat, readSecrets } from "./secret.js";
export { processIo } from "./terminal.js";
