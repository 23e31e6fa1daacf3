/**
 * Every module a TypeScript file asks for, read with the TypeScript parser
 * (not a regular expression, which misses side-effect imports, multi-line
 * clauses and `import()` types, and matches imports inside strings).
 *
 * A reference is `type` when the compiler erases it: `import type`,
 * `export type … from`, a clause whose every name is marked `type`, an
 * `import("x").T` type, `import type x = require("x")`. An import whose
 * names are merely used as types is still `static`: the checker trusts
 * what the code says, not what the compiler may elide.
 */
import ts from "typescript";

export type ImportKind =
  | "static" // import { a } from "x"; import x from "x"; import * as x from "x"
  | "type" // import type …, export type … from, import("x").T, all names marked type
  | "side-effect" // import "x"
  | "re-export" // export { a } from "x"; export * from "x"
  | "dynamic" // import("x")
  | "require" // require("x")
  | "import-equals"; // import x = require("x")

export interface ImportRef {
  kind: ImportKind;
  /** The string as written; `undefined` for a computed `import(expr)` or `require(expr)`. */
  specifier: string | undefined;
  line: number;
}

/**
 * The module references of one source text, in source order.
 *
 * @example
 * collectImports("a.ts", `import type { S } from "./s.js";\nimport "./x.js";`);
 * // [{ kind: "type", specifier: "./s.js", line: 1 }, { kind: "side-effect", specifier: "./x.js", line: 2 }]
 */
export function collectImports(fileName: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, scriptKind(fileName));
  const found: ImportRef[] = [];
  const add = (kind: ImportKind, node: ts.Node, specifier: ts.Node | undefined): void => {
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    found.push({ kind, specifier: specifier && isStringLike(specifier) ? specifier.text : undefined, line });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(importKind(node), node, node.moduleSpecifier);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier) add(exportKind(node), node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.isTypeOnly ? "type" : "import-equals", node, node.moduleReference.expression);
    } else if (ts.isImportTypeNode(node)) {
      const literal = ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined;
      add("type", node, literal);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add("dynamic", node, node.arguments[0]);
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "require") {
      add("require", node, node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function importKind(node: ts.ImportDeclaration): ImportKind {
  const clause = node.importClause;
  if (!clause) return "side-effect";
  if (clause.isTypeOnly) return "type";
  // `import { type A, type B } from "x"` is erased like `import type`; a default or namespace binding never is.
  const named = clause.namedBindings;
  const allTyped = !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
  return allTyped ? "type" : "static";
}

function exportKind(node: ts.ExportDeclaration): ImportKind {
  if (node.isTypeOnly) return "type";
  const clause = node.exportClause;
  const allTyped = clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
  return allTyped ? "type" : "re-export";
}

function isStringLike(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

function scriptKind(fileName: string): ts.ScriptKind {
  if (fileName.endsWith(".tsx")) return ts.ScriptKind.TSX;
  if (/\.[cm]?js$/.test(fileName)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}
