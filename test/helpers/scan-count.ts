/**
 * How much string scanning some code does, counted instead of timed: while
 * `run` runs, every String.prototype method that reads characters, and
 * RegExp.prototype.exec (which match, replace, split and test with a regex go
 * through once it is replaced), adds the characters it looked at. The real
 * methods still run; the count is the same on every run of the same input,
 * whatever the machine's load.
 *
 * Native work on a whole buffer (HMAC, base64, JSON.parse, TextDecoder) is not
 * counted: it is linear in its input. Nothing else may run in the process
 * meanwhile (node:test runs a file's tests one at a time).
 */

type Cost = (self: string, args: unknown[], result: unknown) => number;

const whole: Cost = (self) => self.length;
const made: Cost = (_self, _args, result) => (typeof result === "string" ? result.length : 1);
const searched = (search: unknown): number => String(search).length;

/** Characters each method looks at (a search: from where it starts to where it stops). */
const STRING_COSTS: Record<string, Cost> = {
  indexOf: (self, [search, from], r) => Math.max(1, (r === -1 ? self.length : (r as number) + searched(search)) - Math.max(0, Number(from) || 0)),
  lastIndexOf: (self, [, from], r) => Math.max(1, Math.min(self.length, from === undefined ? self.length : Number(from) + 1) - Math.max(0, r as number)),
  includes: whole,
  search: whole,
  match: whole,
  matchAll: whole,
  replace: whole,
  replaceAll: whole,
  split: whole,
  trim: whole,
  trimStart: whole,
  trimEnd: whole,
  toLowerCase: whole,
  toUpperCase: whole,
  normalize: whole,
  localeCompare: whole,
  startsWith: (_self, [search]) => searched(search),
  endsWith: (_self, [search]) => searched(search),
  charCodeAt: () => 1,
  codePointAt: () => 1,
  charAt: () => 1,
  at: () => 1,
  slice: made,
  substring: made,
  substr: made,
  concat: made,
  padStart: made,
  padEnd: made,
  repeat: made,
};

/**
 * The characters `run` looked at through String and RegExp methods.
 *
 * @example
 * const n = await charactersScanned(() => sessions.load(header)); // ≤ 16 × header.length
 */
export async function charactersScanned(run: () => unknown): Promise<number> {
  let count = 0;
  const restore: (() => void)[] = [];
  const proto = String.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const [name, cost] of Object.entries(STRING_COSTS)) {
    const original = proto[name]!;
    proto[name] = function (this: string, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      count += cost(String(this), args, result);
      return result;
    };
    restore.push(() => (proto[name] = original));
  }
  // An exec looks at least from where it starts to the end of its input (more when it backtracks).
  const exec = RegExp.prototype.exec;
  RegExp.prototype.exec = function (this: RegExp, input: string): RegExpExecArray | null {
    count += Math.max(1, String(input).length - (this.global || this.sticky ? this.lastIndex : 0));
    return exec.call(this, input);
  };
  restore.push(() => (RegExp.prototype.exec = exec));
  try {
    await run();
  } finally {
    for (const undo of restore) undo();
  }
  return count;
}
