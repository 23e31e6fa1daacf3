// The extractor behind test/docs/docs.test.ts and the packed-tarball test:
// it must see every block and every convention, or a broken block would pass
// unchecked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { extractSnippets, moduleSource, syntaxErrors, toDocPosition } from "./snippets.js";

const MARKDOWN = [
  "# Title", //                                        1
  "", //                                               2
  "```ts", //                                          3
  'import { createSessions } from "sessionkit";', //   4
  "```", //                                            5
  "<!-- run: visits -->", //                           6
  "```typescript", //                                  7
  "// sessions.ts", //                                 8
  "export const n = 1;", //                            9
  "```", //                                           10
  "1. a list item:", //                               11
  "   <!-- fragment: one line of a bigger app -->", //12
  "   ````ts", //                                     13
  "   app.use(x);", //                                14
  "   ```", //                                        15  (shorter: not a closing fence)
  "   ````", //                                       16
  "<!-- runs: typo -->", //                           17
  "```text", //                                       18
  "a diagram", //                                     19
  "```", //                                           20
  "```ts", //                                         21
  "// needs: sessions, app (express)", //             22
  "app.use(sessions);", //                            23
  "```", //                                           24
].join("\n");

test("every fenced block is found, with its line, language, code and conventions", () => {
  const blocks = extractSnippets(MARKDOWN, "doc.md");
  assert.deepEqual(
    blocks.map(({ line, lang, code, module, needs, run, fragment, strayMarker }) => ({ line, lang, code, module, needs, run, fragment, strayMarker })),
    [
      { line: 3, lang: "ts", code: 'import { createSessions } from "sessionkit";', module: undefined, needs: [], run: undefined, fragment: undefined, strayMarker: undefined },
      { line: 7, lang: "typescript", code: "// sessions.ts\nexport const n = 1;", module: "sessions.ts", needs: [], run: "visits", fragment: undefined, strayMarker: undefined },
      { line: 13, lang: "ts", code: "app.use(x);\n```", module: undefined, needs: [], run: undefined, fragment: "one line of a bigger app", strayMarker: undefined },
      { line: 18, lang: "text", code: "a diagram", module: undefined, needs: [], run: undefined, fragment: undefined, strayMarker: "<!-- runs: typo -->" },
      { line: 21, lang: "ts", code: "// needs: sessions, app (express)\napp.use(sessions);", module: undefined, needs: ["sessions", "app (express)"], run: undefined, fragment: undefined, strayMarker: undefined },
    ],
  );
});

test("a fence that is never closed is an error that names its line", () => {
  assert.throws(() => extractSnippets("text\n```ts\nconst a = 1;\n", "doc.md"), /^Error: doc\.md:2: a code fence that is never closed$/);
});

test("a block that needs names gets their declarations before it, and errors map back to the document", () => {
  const [block] = extractSnippets("intro\n\n```ts\n// needs: secret\nconst x: number = secret;\n```\n", "guide.md");
  const [source, offset] = moduleSource(block!);
  assert.equal(source, "const secret = process.env.SECRET_KEY!;\n// needs: secret\nconst x: number = secret;\n");
  assert.equal(offset, 1);
  const written = { snippet: block!, file: "/tmp/out/line-3.ts", offset };
  // Line 3 of the file is line 2 of the block, which is line 5 of the document (the fence is line 3).
  assert.equal(toDocPosition("/tmp/out/line-3.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.", written), "guide.md:5:7: error TS2322: Type 'string' is not assignable to type 'number'.");
  assert.equal(toDocPosition("/tmp/out/line-3.ts(1,7): error TS1: x", written), 'guide.md:3 (in "// needs:" secret): error TS1: x');
});

test("a name the table does not define is refused, by name", () => {
  const [block] = extractSnippets("```ts\n// needs: sessions, database\nx;\n```", "guide.md");
  assert.throws(() => moduleSource(block!), /guide\.md:1: "\/\/ needs:" names database, which test\/docs\/snippets\.ts does not define/);
});

test("a fragment is still held to parsing", () => {
  assert.deepEqual(syntaxErrors("app.use(sessionMiddleware(sessions));"), []);
  assert.deepEqual(syntaxErrors("app.use(sessionMiddleware(sessions);"), ["')' expected."]);
  // A tsx block is parsed as TSX: its JSX is fine there, and a syntax error in a .ts block.
  assert.deepEqual(syntaxErrors("const page = <p id=\"status\">{name}</p>;", "tsx"), []);
  assert.notDeepEqual(syntaxErrors("const page = <p id=\"status\">{name}</p>;", "ts"), []);
});
