/**
 * Durations given as options: a number of seconds, or a string such as
 * `"30s"`, `"15m"`, `"2h"`, `"31d"`, `"2w"`. Parsed once at creation.
 */
import { ConfigError } from "./errors.js";

/** A duration option: whole seconds, or a number with a unit (`s`, `m`, `h`, `d`, `w`). */
export type Duration = number | `${number}${"s" | "m" | "h" | "d" | "w"}`;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * Seconds in a duration option, or a ConfigError naming the option.
 *
 * @example
 * parseDurationSeconds("31d", "lifetime"); // 2678400
 */
export function parseDurationSeconds(value: unknown, option: string): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value > 0) return Math.floor(value);
    throw new ConfigError(option, "give a positive number of seconds, or a string such as \"31d\".");
  }
  if (typeof value === "string") {
    const match = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(value.trim());
    if (match) {
      const seconds = Math.floor(Number(match[1]) * UNIT_SECONDS[match[2]!]!);
      if (seconds > 0) return seconds;
    }
  }
  throw new ConfigError(option, "give a positive number of seconds, or a string such as \"30s\", \"15m\", \"2h\", \"31d\".");
}
