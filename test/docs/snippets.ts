/**
 * The TypeScript blocks of the documentation, as programs a compiler can
 * check and node can run. The conventions a block may use:
 *
 * - A first line `// name.ts` makes the block a module of that name: the
 *   other blocks of the same document import it as `./name.js`, as the files
 *   of one app would (docs/adapters.md's `sessions.ts`).
 * - A first line `// needs: sessions, app (express)` names what the block
 *   takes from the reader's app; {@link NEEDS} says what each name is. The
 *   line is visible: it tells the reader what to have before pasting.
 * - `<!-- run: NAME -->` on the line before the fence: the block is a
 *   program the tests start and send requests to (test/docs/scenarios.ts
 *   has the scenario NAME).
 * - `<!-- fragment: WHY -->` on the line before the fence: the block is a
 *   piece on purpose; it must parse, and is not type-checked.
 *
 * Anything else is a complete module and is type-checked as it stands.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type ts from "typescript";

const tsc = createRequire(import.meta.url)("typescript") as typeof ts;

/** Where the documentation's code lives: every fenced block of these files is checked. */
export const DOCUMENTS = [
  "README.md",
  "SECURITY.md",
  "ARCHITECTURE.md",
  "docs/adapters.md",
  "docs/architecture.md",
  "docs/big-sessions.md",
  "docs/cli.md",
  "docs/csrf.md",
  "docs/devices.md",
  "docs/flask-format.md",
  "docs/flask-session.md",
  "docs/frameworks.md",
  "docs/security-model.md",
  "docs/session-features.md",
  "docs/stores.md",
  "examples/tutorial/README.md",
];

/** Fence languages that are TypeScript (or JavaScript, which is checked as TypeScript). */
export const TS_LANGS = new Set(["ts", "typescript", "tsx", "js", "javascript", "mjs"]);

/**
 * What each `// needs:` name stands for. Imports are renamed so that they never
 * clash with the block's own. A name given only by `declare` is for the
 * type-checker: a block that needs it cannot be run.
 */
export const NEEDS: Readonly<Record<string, string>> = {
  sessions: 'import { createSessions as __createSessions } from "sessionkit";\nconst sessions = __createSessions({ secret: process.env.SECRET_KEY! });',
  secret: "const secret = process.env.SECRET_KEY!;",
  // An app with sessionkit's adapter mounted: its types give the request its session.
  "app (express)": 'import __express from "express";\nimport type {} from "sessionkit/express";\nconst app = __express();',
  "app (fastify)": 'import __fastify from "fastify";\nimport type {} from "sessionkit/fastify";\nconst app = __fastify();',
  "app (koa)": 'import __Koa from "koa";\nimport type {} from "sessionkit/koa";\nconst app = new __Koa();',
  "app (hono)": 'import { Hono as __Hono } from "hono";\nimport type {} from "sessionkit/hono";\nconst app = new __Hono();',
  "client (redis)":
    'import { createClient as __createClient } from "redis";\nconst client = await __createClient({ url: process.env.REDIS_URL ?? "redis://localhost:6379" }).connect();',
  metrics: "declare const metrics: { count(name: string): void };",
};

/** One fenced block of a document. */
export interface Snippet {
  /** The document, relative to the repository. */
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The fence's language ("" when it names none). */
  lang: string;
  /** The code exactly as the reader sees it. */
  code: string;
  /** `// name.ts`: the module name other blocks of the document import. */
  module?: string;
  /** `// needs: …`: the names the block takes from the reader's app. */
  needs: string[];
  /** `<!-- fragment: WHY -->`: why the block is not a whole module. */
  fragment?: string;
  /** `<!-- run: NAME -->`: the scenario that runs the block. */
  run?: string;
  /** Any other comment on the line before the fence: a marker misspelled, which the tests refuse. */
  strayMarker?: string;
}

/**
 * Every fenced block of a Markdown text, with its conventions read.
 *
 * @example
 * const blocks = extractSnippets(readFileSync("README.md", "utf8"), "README.md");
 */
export function extractSnippets(markdown: string, doc: string): Snippet[] {
  const lines = markdown.split("\n");
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]!);
    if (!open) continue;
    const [, indent, fence, lang] = open as unknown as [string, string, string, string];
    // CommonMark: the closing fence is the same character, at least as many times, and nothing else.
    const closes = (line: string): boolean => line.trim().length >= fence.length && line.trim() === fence[0]!.repeat(line.trim().length);
    let end = i + 1;
    while (end < lines.length && !closes(lines[end]!)) end++;
    if (end === lines.length) throw new Error(`${doc}:${i + 1}: a code fence that is never closed`);
    const code = lines
      .slice(i + 1, end)
      .map((l) => l.slice(Math.min(indent.length, l.length - l.trimStart().length)))
      .join("\n");
    const before = lines[i - 1]?.trim() ?? "";
    const marker = /^<!--\s*(run|fragment):\s*(.*?)\s*-->$/.exec(before);
    const first = code.split("\n", 1)[0]!;
    const snippet: Snippet = { doc, line: i + 1, lang: lang.toLowerCase(), code, needs: [] };
    const module = /^\/\/ ([\w-]+\.ts)$/.exec(first);
    if (module) snippet.module = module[1]!;
    const needs = /^\/\/ needs: (.+)$/.exec(first);
    if (needs) snippet.needs = needs[1]!.split(/,\s*/).map((n) => n.trim());
    if (marker?.[1] === "run") snippet.run = marker[2]!;
    if (marker?.[1] === "fragment") snippet.fragment = marker[2]!;
    if (!marker && before.startsWith("<!--")) snippet.strayMarker = before;
    snippets.push(snippet);
    i = end;
  }
  return snippets;
}

/** A name for a block's file: unique in its document, and it says where the block is. */
export function snippetFileName(snippet: Snippet): string {
  return snippet.module ?? `line-${snippet.line}.ts`;
}

/**
 * The block as a module: what it needs, then the block as shown. The second
 * value is how many lines were put before it (to map an error back to the
 * document).
 *
 * @example
 * const [source, offset] = moduleSource(snippet);
 */
export function moduleSource(snippet: Snippet): [string, number] {
  const unknown = snippet.needs.filter((n) => !(n in NEEDS));
  if (unknown.length > 0) throw new Error(`${snippet.doc}:${snippet.line}: "// needs:" names ${unknown.join(", ")}, which test/docs/snippets.ts does not define`);
  const prelude = snippet.needs.map((n) => NEEDS[n]!).join("\n");
  if (prelude === "") return [snippet.code + "\n", 0];
  return [`${prelude}\n${snippet.code}\n`, prelude.split("\n").length];
}

/**
 * Write a document's TypeScript blocks into `dir`, one file each (named
 * blocks under their name), and return each block with its file and offset.
 *
 * @example
 * for (const { snippet, file } of writeSnippets(snippets, "test-output/docs/readme")) typecheck([file], options);
 */
export function writeSnippets(snippets: readonly Snippet[], dir: string): { snippet: Snippet; file: string; offset: number }[] {
  mkdirSync(dir, { recursive: true });
  return snippets.map((snippet) => {
    const [source, offset] = moduleSource(snippet);
    const file = join(dir, snippetFileName(snippet));
    writeFileSync(file, source);
    return { snippet, file, offset };
  });
}

/**
 * Rewrite the compiler's `file(line,col)` positions as `doc:line:col` in the
 * Markdown, so a failure points at the block a maintainer must fix.
 *
 * @example
 * errors.map((e) => toDocPosition(e, written));
 */
export function toDocPosition(error: string, written: { snippet: Snippet; file: string; offset: number }): string {
  const name = snippetFileName(written.snippet).replace(/[.]/g, "\\.");
  return error.replace(new RegExp(`\\S*${name}\\((\\d+),(\\d+)\\)`, "g"), (_, line: string, col: string) => {
    const inBlock = Number(line) - written.offset;
    return inBlock >= 1 ? `${written.snippet.doc}:${written.snippet.line + inBlock}:${col}` : `${written.snippet.doc}:${written.snippet.line} (in "// needs:" ${written.snippet.needs.join(", ")})`;
  });
}

/**
 * The syntax errors of a block (what a fragment is still held to).
 *
 * @example
 * assert.deepEqual(syntaxErrors("app.use(sessionMiddleware(sessions));"), []);
 */
export function syntaxErrors(code: string, lang = "ts"): string[] {
  // A tsx block (a React component) is parsed as TSX.
  const fileName = lang === "tsx" ? "block.tsx" : "block.ts";
  const compilerOptions = { module: tsc.ModuleKind.ESNext, target: tsc.ScriptTarget.ESNext, jsx: tsc.JsxEmit.Preserve };
  const result = tsc.transpileModule(code, { reportDiagnostics: true, fileName, compilerOptions });
  return (result.diagnostics ?? []).map((d) => tsc.flattenDiagnosticMessageText(d.messageText, "\n"));
}
