#!/usr/bin/env node
/**
 * The structure figures of issue #14, measured from the sources: the largest source files, the
 * longest functions, `extends Error` outside core, and the packages that import ts-mls.
 *
 *   node scripts/structure.mjs            print the figures
 *   node scripts/structure.mjs --check    also exit 1 when a source file passes 500 lines, a function
 *                                         120 lines, or a package other than core imports ts-mls
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const MAX_FILE_LINES = 500;
const MAX_FUNCTION_LINES = 120;
const check = process.argv.includes('--check');
const top = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 10);

/** Source files: packages/<pkg>/src/**.{ts,tsx} and bench/*.ts, no build output. */
function sources() {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist') continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const pkg of readdirSync(join(root, 'packages'))) {
    const src = join(root, 'packages', pkg, 'src');
    try {
      if (statSync(src).isDirectory()) walk(src);
    } catch {}
  }
  walk(join(root, 'bench'));
  return out;
}

/** The workspace a file belongs to: packages/<name> or bench. */
const packageOf = (rel) =>
  rel.startsWith('packages/') ? rel.split('/').slice(0, 2).join('/') : rel.split('/')[0];

function functionName(node, sf) {
  if (node.name) return node.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (parent && ts.isCallExpression(parent))
    return `(callback of ${parent.expression.getText(sf).slice(0, 40)})`;
  return '(anonymous)';
}

const files = [];
const functions = [];
const errorSubclasses = [];
const tsMlsImporters = new Set();
for (const path of sources()) {
  const text = readFileSync(path, 'utf8');
  const rel = relative(root, path);
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  files.push({ rel, lines });
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessor(node)
    ) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      functions.push({ rel, name: functionName(node, sf), lines: end - start + 1, line: start + 1 });
    }
    if (ts.isClassDeclaration(node) && node.heritageClauses) {
      for (const h of node.heritageClauses)
        for (const t of h.types)
          if (t.expression.getText(sf) === 'Error' && !rel.startsWith('packages/core/'))
            errorSubclasses.push(`${rel}: ${node.name?.getText(sf)}`);
    }
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      const spec = node.moduleSpecifier.getText(sf).slice(1, -1);
      if (spec === 'ts-mls' || spec.startsWith('ts-mls/')) tsMlsImporters.add(packageOf(rel));
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

files.sort((a, b) => b.lines - a.lines);
functions.sort((a, b) => b.lines - a.lines);
console.log(`Largest source files (of ${files.length}):`);
for (const f of files.slice(0, top)) console.log(`  ${String(f.lines).padStart(5)}  ${f.rel}`);
console.log('Longest functions:');
for (const f of functions.slice(0, top))
  console.log(`  ${String(f.lines).padStart(5)}  ${f.rel}:${f.line} ${f.name}`);
console.log(`\`extends Error\` outside core: ${errorSubclasses.length}`);
for (const e of errorSubclasses) console.log(`  ${e}`);
console.log(`Packages importing ts-mls: ${[...tsMlsImporters].sort().join(', ') || 'none'}`);

if (check) {
  const problems = [
    ...files
      .filter((f) => f.lines > MAX_FILE_LINES)
      .map((f) => `${f.rel}: ${f.lines} lines (max ${MAX_FILE_LINES})`),
    ...functions
      .filter((f) => f.lines > MAX_FUNCTION_LINES)
      .map((f) => `${f.rel}:${f.line} ${f.name}: ${f.lines} lines (max ${MAX_FUNCTION_LINES})`),
    ...[...tsMlsImporters]
      .filter((p) => p !== 'packages/core')
      .map((p) => `${p} imports ts-mls (only core may)`),
  ];
  if (problems.length > 0) {
    console.error(`\nStructure check failed:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('Structure check passed.');
}
