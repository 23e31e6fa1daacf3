/**
 * The real process's I/O for the CLI, including a prompt that does not echo
 * the secret (raw mode on a TTY; the first line of stdin otherwise, so
 * `printf %s "$KEY" | sessionkit verify …` works in scripts).
 */
import type { CliIo } from "./types.js";

function readLineFromPipe(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (chunk: string) => {
      text += chunk;
      if (text.length > 1 << 16) process.stdin.destroy(); // a secret is never this long
    });
    process.stdin.once("end", () => resolve(text.split(/\r?\n/, 1)[0] ?? ""));
    process.stdin.once("close", () => resolve(text.split(/\r?\n/, 1)[0] ?? ""));
    process.stdin.once("error", reject);
  });
}

function readHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.setEncoding("utf8");
    let secret = "";
    const done = (value: string) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      process.stderr.write("\n");
      resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done(secret);
        if (ch === "\u0003") return done(""); // Ctrl-C: no secret
        if (ch === "\u007f" || ch === "\b") secret = secret.slice(0, -1);
        else secret += ch;
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

/**
 * I/O bound to the running process.
 *
 * @example
 * await main(process.argv.slice(2), processIo());
 */
export function processIo(): CliIo {
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => void process.stderr.write(`${line}\n`),
    env: process.env,
    readSecret: (prompt) => (process.stdin.isTTY ? readHidden(prompt) : readLineFromPipe()),
  };
}
