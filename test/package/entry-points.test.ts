// package.json `exports` is the one list of entry points: the build (tsup)
// and the API reference (typedoc) read it, and every path an export names
// follows from its source and its dist name. Without this, an entry point
// added to one list and not the others ships undocumented or unbuilt.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import tsupConfig, { CLI_ENTRY, entriesFrom } from "../../tsup.config.js";

const repo = new URL("../../", import.meta.url).pathname;

interface ExportEntry {
  source: string;
  import: { types: string; default: string };
  require: { types: string; default: string };
}
const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
  main: string;
  module: string;
  types: string;
  exports: Record<string, ExportEntry | string>;
  peerDependencies: Record<string, string>;
};
const exportsList = Object.entries(manifest.exports).filter((e): e is [string, ExportEntry] => typeof e[1] !== "string");

test("every export names an existing source and dist files that all follow from one name", () => {
  assert.ok(exportsList.length >= 16, "package.json lists the entry points");
  for (const [subpath, entry] of exportsList) {
    assert.ok(existsSync(join(repo, entry.source)), `exports["${subpath}"].source ${entry.source} does not exist`);
    const name = /^\.\/dist\/(.+)\.js$/.exec(entry.import.default)?.[1];
    assert.ok(name, `exports["${subpath}"].import.default is not ./dist/<name>.js`);
    assert.deepEqual(
      { importTypes: entry.import.types, require: entry.require.default, requireTypes: entry.require.types },
      { importTypes: `./dist/${name}.d.ts`, require: `./dist/${name}.cjs`, requireTypes: `./dist/${name}.d.cts` },
      `exports["${subpath}"]`,
    );
  }
  const root = manifest.exports["."] as ExportEntry;
  assert.deepEqual([manifest.main, manifest.module, manifest.types], [root.require.default, root.import.default, root.import.types]);
});

test("tsup builds exactly the exports, the runtime sets package.json imports name, and the CLI that bin/sessionkit.mjs loads", () => {
  const config = tsupConfig as { entry: Record<string, string>; external: string[] };
  const expected: Record<string, string> = { ...CLI_ENTRY, "runtime/node": "src/runtime/node.ts", "runtime/web": "src/runtime/web.ts" };
  for (const [, entry] of exportsList) expected[/^\.\/dist\/(.+)\.js$/.exec(entry.import.default)![1]!] = entry.source.slice(2);
  assert.deepEqual(config.entry, expected);
  assert.match(readFileSync(join(repo, "bin/sessionkit.mjs"), "utf8"), /"\.\.\/dist\/cli\/index\.js"/, "the bin loads the CLI bundle tsup builds");
  for (const peer of Object.keys(manifest.peerDependencies)) assert.ok(config.external.includes(peer), `${peer} would be bundled`);
});

test("entriesFrom refuses an export it cannot build", () => {
  assert.deepEqual(entriesFrom({ "./x": { source: "./src/x.ts", import: { default: "./dist/stores/x.js" } }, "./package.json": "./package.json" }), {
    "stores/x": "src/x.ts",
  });
  assert.throws(() => entriesFrom({ "./x": { source: "./src/x.ts", import: { default: "./lib/x.mjs" } } }), /exports\["\.\/x"\] needs a source and an import\.default of \.\/dist\/<name>\.js/);
});

test("the API reference documents every export's source, and nothing else", async () => {
  const typedoc = (await import(pathToFileURL(join(repo, "typedoc.config.mjs")).href)) as { default: { entryPoints: string[] } };
  assert.deepEqual(
    typedoc.default.entryPoints,
    exportsList.map(([, entry]) => entry.source),
  );
  assert.ok(typedoc.default.entryPoints.includes("./src/stores/flask-session.ts"));
  assert.ok(!existsSync(join(repo, "typedoc.json")), "a typedoc.json would take precedence over typedoc.config.mjs");
});
