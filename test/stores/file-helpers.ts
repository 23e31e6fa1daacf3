/**
 * Helpers of the file store tests: a child process writing to the same
 * directory (test/stores/file-writer.child.ts), and waiting for a condition.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const CHILD = fileURLToPath(new URL("./file-writer.child.ts", import.meta.url));

/** A running child, its stdout lines so far, and its exit. */
export interface Child {
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

export function spawnChild(args: string[]): Child {
  const proc = spawn(process.execPath, ["--conditions=source", "--import", "tsx", CHILD, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let buffered = "";
  proc.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
  });
  let stderr = "";
  proc.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString("utf8")));
  // A child that lives too long is killed, so no test can hang on it.
  const guard = setTimeout(() => proc.kill("SIGKILL"), 60_000);
  // "close", not "exit": it comes after the child's stdout is read to its end, so `lines` then holds
  // every line the child wrote before it died (on a loaded machine, "exit" can come first).
  const exited = new Promise<number | null>((resolve) =>
    proc.on("close", (code) => {
      clearTimeout(guard);
      if (code !== 0 && code !== null) process.stderr.write(`child failed: ${stderr}\n`);
      resolve(code);
    }),
  );
  return { proc, lines, exited };
}

export async function until(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
