/**
 * Finds user-visible text written into the web app's components instead of taken from the
 * message catalogues: JSX text with letters, string literals with letters in a JSX expression
 * (`{busy ? 'Working…' : …}`) or in a JSX attribute that people read (titles, labels, any prop not
 * in the technical list below), and the messages of errors the app throws (`new Error('…')`,
 * `new UserError('…')`), which it shows as they are.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** Attributes whose values are code, not text for people. */
const TECHNICAL = new Set([
  'className',
  'type',
  'id',
  'name',
  'autoComplete',
  'role',
  'href',
  'key',
  'htmlFor',
  'inputMode',
  'dir',
  'lang',
  'accept',
  'rel',
  'target',
  'method',
  'autoCapitalize',
  'spellCheck',
  'enterKeyHint',
  'pattern',
  'kind',
  'variant',
  'download',
  'src',
  'value',
  'size',
  'testId',
  'aria-live',
  'aria-hidden',
  'aria-haspopup',
  'aria-current',
  'aria-sort',
  'aria-relevant',
  'aria-atomic',
  'wrap',
  'loading',
  'decoding',
  'referrerPolicy',
  'level',
  'state',
  'icon',
  'aria-labelledby',
  'aria-describedby',
  'aria-controls',
  'aria-owns',
  'aria-errormessage',
  'form',
  'focusable',
  'd',
  'fill',
  'stroke',
  'viewBox',
  'xmlns',
  'strokeWidth',
  'strokeLinecap',
  'strokeLinejoin',
  'fillRule',
  'clipRule',
  'transform',
  'preserveAspectRatio',
  'shapeRendering',
]);

const LETTERS = /\p{L}{2,}/u;

export interface Finding {
  file: string;
  line: number;
  text: string;
}

function letters(text: string): boolean {
  return LETTERS.test(text);
}

/** A literal compared with something (`panel.kind === 'link'`): a value, not text. */
function compared(node: ts.Node): boolean {
  const p = node.parent;
  if (!ts.isBinaryExpression(p)) return false;
  const op = p.operatorToken.kind;
  return (
    op === ts.SyntaxKind.EqualsEqualsEqualsToken ||
    op === ts.SyntaxKind.ExclamationEqualsEqualsToken ||
    op === ts.SyntaxKind.EqualsEqualsToken ||
    op === ts.SyntaxKind.ExclamationEqualsToken
  );
}

/** Names people read in every language as they are (the product, the protocol), and format hints. */
const NAMES = /^(?:[·\s]*(?:Parley|MLS|X{4}(?:-X{4})*)[·\s]*)$/;

/** The node the expression around `node` (conditions, templates, parentheses) stands in. */
function container(node: ts.Node, throughJsx: boolean): ts.Node {
  let n = node.parent;
  while (
    ts.isConditionalExpression(n) ||
    ts.isBinaryExpression(n) ||
    ts.isParenthesizedExpression(n) ||
    ts.isTemplateSpan(n) ||
    ts.isTemplateExpression(n) ||
    (throughJsx && ts.isJsxExpression(n))
  )
    n = n.parent;
  return n;
}

function inJsxExpression(node: ts.Node): boolean {
  const n = container(node, false);
  return ts.isJsxExpression(n) && !ts.isJsxAttribute(n.parent);
}

function attributeName(node: ts.Node): string | undefined {
  const n = container(node, true);
  return ts.isJsxAttribute(n) ? n.name.getText() : undefined;
}

function thrownMessage(node: ts.Node): boolean {
  const p = node.parent;
  return ts.isNewExpression(p) && /Error$/.test(p.expression.getText()) && p.arguments?.[0] === node;
}

/** Every hard-coded user-visible text of one source file. */
export function findInSource(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: Finding[] = [];
  const add = (node: ts.Node, text: string) =>
    found.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: text.trim() });
  const visit = (node: ts.Node) => {
    if (ts.isJsxText(node) && letters(node.text) && !NAMES.test(node.text)) add(node, node.text);
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateExpression(node)
    ) {
      const text = node.getText().slice(1, -1);
      // A template's own text, without what its placeholders insert.
      const own = ts.isTemplateExpression(node)
        ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(' ')
        : text;
      const attr = attributeName(node);
      if (letters(own) && !compared(node) && !NAMES.test(text)) {
        if (attr !== undefined && !TECHNICAL.has(attr) && !attr.startsWith('data-') && !attr.startsWith('on'))
          add(node, `${attr}=${text}`);
        else if (attr === undefined && (inJsxExpression(node) || thrownMessage(node))) add(node, text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** The findings in every .ts/.tsx file under `dir` (catalogues excluded). */
export function findInTree(dir: string): Finding[] {
  const out: Finding[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'messages') out.push(...findInTree(path));
    } else if (/\.tsx?$/.test(entry.name)) out.push(...findInSource(path, readFileSync(path, 'utf8')));
  }
  return out;
}
