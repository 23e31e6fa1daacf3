/**
 * Type-check a few files as a user's program would, in this process, with the
 * TypeScript compiler API: the options of a tsconfig, the given root files,
 * and only the root files' diagnostics (a user's tsc does not re-check the
 * libraries it imports). Parsed files are shared between the programs of one
 * test file, keyed by everything that changes a parse, so checking thirty
 * snippets does not parse the DOM library and @types/node thirty times.
 */
import { createRequire } from "node:module";
import type ts from "typescript";

const tsc = createRequire(import.meta.url)("typescript") as typeof ts;
const parsed = new Map<string, ts.SourceFile>();

/**
 * The compiler options of a tsconfig file (its `include`/`files` are ignored).
 *
 * @example
 * const strict = compilerOptions("test/types/tsconfig.strict.json");
 */
export function compilerOptions(configPath: string, overrides: ts.CompilerOptions = {}): ts.CompilerOptions {
  const config = tsc.getParsedCommandLineOfConfigFile(configPath, overrides, {
    ...tsc.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(`${configPath}: ${tsc.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    },
  });
  if (!config) throw new Error(`${configPath}: not a tsconfig`);
  // The files a config lists are not this program's: an empty list is fine.
  const errors = config.errors.filter((d) => d.code !== 18002 && d.code !== 18003);
  if (errors.length > 0) throw new Error(format(errors));
  return config.options;
}

/**
 * The errors of `files` under `options`, formatted as tsc prints them (an
 * empty array when they compile). Option and global errors count too.
 *
 * @example
 * assert.deepEqual(typecheck(["test/types/app/express.ts"], options), []);
 */
export function typecheck(files: readonly string[], options: ts.CompilerOptions): string[] {
  const host = tsc.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  const settings = JSON.stringify(options, Object.keys(options).sort());
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const key = `${settings}\0${JSON.stringify(languageVersion)}\0${fileName}`;
    const cached = parsed.get(key);
    // A library does not change while tests run; any other file is re-read to see whether it did.
    if (cached && (fileName.includes("/node_modules/") || cached.text === tsc.sys.readFile(fileName))) return cached;
    const file = read(fileName, languageVersion, onError, shouldCreate);
    if (file) parsed.set(key, file);
    return file;
  };
  const program = tsc.createProgram({ rootNames: [...files], options, host });
  const diagnostics: ts.Diagnostic[] = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const name of files) {
    const file = program.getSourceFile(name);
    if (!file) throw new Error(`${name} is not part of the program`);
    diagnostics.push(...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file));
  }
  return diagnostics.length === 0 ? [] : format(diagnostics).split(/\n(?=\S)/).map((line) => line.trimEnd()).filter(Boolean);
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  return tsc.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => "\n",
  });
}
