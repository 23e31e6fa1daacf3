// The documentation stands alone: every link in a document the npm tarball
// ships leads to a file the tarball ships, the requirement numbers SECURITY.md
// cites are each defined once in docs/security-model.md, and no file in the
// repository sends its reader to a document that is not in it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { test } from "node:test";

const repo = new URL("../../", import.meta.url).pathname;

/** The files `npm pack` puts in the tarball, as package-relative paths. */
function packedFiles(): Set<string> {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const out = execFileSync(npm, ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const [report] = JSON.parse(out) as { files: { path: string }[] }[];
  return new Set(report!.files.map((f) => f.path));
}

/** Relative link and image targets of a Markdown text, without their #fragment. */
function relativeLinks(markdown: string): string[] {
  const targets = [...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g), ...markdown.matchAll(/<img[^>]*\ssrc="([^"]+)"/g)].map((m) => m[1]!);
  return targets.filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith("#")).map((t) => t.split("#")[0]!);
}

const packed = packedFiles();

test("the tarball ships the license, the README's documents and no tests or tooling", () => {
  for (const file of ["LICENSE", "README.md", "SECURITY.md", "package.json", "docs/security-model.md", "docs/flask-format.md", "docs/architecture.md"]) {
    assert.ok(packed.has(file), `${file} is not in the tarball`);
  }
  const stray = [...packed].filter((p) => /^(test|scripts|\.ci|examples\/tutorial\/.*\.ts$|bench\/.*\.ts$)/.test(p) || p.startsWith("docs/api/"));
  assert.deepEqual(stray, []);
});

test("every relative link in a shipped document leads to a shipped file", () => {
  const documents = [...packed].filter((p) => p.endsWith(".md"));
  assert.ok(documents.length >= 8, "the documents are shipped");
  const broken: string[] = [];
  for (const doc of documents) {
    for (const target of relativeLinks(readFileSync(join(repo, doc), "utf8"))) {
      const resolved = posix.normalize(posix.join(posix.dirname(doc), decodeURIComponent(target)));
      if (!packed.has(resolved)) broken.push(`${doc} links ${target} (${resolved}), which the tarball does not ship`);
    }
  }
  assert.deepEqual(broken, []);
});

test("the link finder sees Markdown links, images and anchors, and skips URLs", () => {
  const text = `[a](docs/a.md#part) ![b](img/b.png "title") [c](https://x.org/c.md) [d](#local) <img alt="e" src="e.svg"> [f](mailto:x@y.z)`;
  assert.deepEqual(relativeLinks(text), ["docs/a.md", "img/b.png", "e.svg"]);
});

test("docs/security-model.md defines each requirement SECURITY.md cites, once", () => {
  const model = readFileSync(join(repo, "docs/security-model.md"), "utf8");
  const defined = [...model.matchAll(/^- \*\*R(\d+)\*\* \S/gm)].map((m) => Number(m[1]));
  assert.deepEqual(defined, Array.from({ length: 84 }, (_, i) => i + 1));
  const cited = new Set([...readFileSync(join(repo, "SECURITY.md"), "utf8").matchAll(/\bR(\d+)\b/g)].map((m) => Number(m[1])));
  assert.deepEqual([...cited].filter((n) => !defined.includes(n)), []);
});

// The team's internal documents, by the names they go by (upper case, as
// those files are named; the repo's own docs/*.md are lower case). Assembled
// so that this file does not match itself.
const OUTSIDE = new RegExp(
  [
    ...["DESIGN", "STYLE", "FLASK-FORMAT"].map((name) => `\\b${name}\\.md\\b`),
    `\\b${"SECURITY"}-${"REQUIREMENTS"}\\b`,
    `[Dd]esign ${"notes"}`,
    // A relative path up to the team's folder; not a module import such as src/stores/shared/'s (`../shared/x.js`).
    `\\.\\./${"shared"}/(?![\\w-]+\\.[jt]s\\b)`,
    `/work/${"shared"}`,
  ].join("|"),
);

test("no file in the repository refers to a document outside it", () => {
  const files = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !/\.(png|jpe?g|svg|ico|db|lock)$/.test(f) && f !== "package-lock.json");
  const found: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(repo, file), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // deleted in the work tree, not yet committed
      throw error;
    }
    text.split("\n").forEach((line, i) => {
      if (OUTSIDE.test(line)) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.deepEqual(found, [], "cite docs/flask-format.md §n, docs/security-model.md (R<n>) or docs/architecture.md instead");
});
