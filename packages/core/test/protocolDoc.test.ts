/**
 * docs/protocol.md and the frame table cannot drift apart: the doc's frame table (section
 * "### Frames") must list exactly the frames of protocol/frames.ts, each with its number, name,
 * sender and fields, written in the doc's field notation (rendered here from the code).
 */
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import type { Fields, FieldType, ValueType } from '../src/protocol/fields.js';
import { FRAMES } from '../src/protocol/frames.js';

const MiB = 1024 * 1024;

function size(n: number): string {
  return n >= MiB && n % MiB === 0 ? `${n / MiB} MiB` : String(n);
}

function fieldsText(fields: Fields): string {
  const entries = Object.entries(fields);
  if (entries.length === 0) return 'empty';
  return entries.map(([name, type]) => `${name} ${fieldText(name, type, fields)}`).join(', ');
}

function fieldText(name: string, type: FieldType, fields: Fields): string {
  if (type.kind === 'count') {
    const max = type.max === undefined ? '' : ` (≤${type.max})`;
    return `${type.width}${max}${type.optionalAtEnd ? ' (optional at end)' : ''}`;
  }
  if (type.kind === 'list') {
    const count = Object.entries(fields).find(([, f]) => f.kind === 'count' && f.list === name);
    return `${count?.[0]} × ${valueText(type.of)}`;
  }
  return valueText(type);
}

function valueText(type: ValueType): string {
  switch (type.kind) {
    case 'uint':
      return type.min === undefined ? type.width : `${type.width} (${type.min}..${type.max})`;
    case 'bool':
      return type.optionalAtEnd ? 'bool (optional at end)' : 'bool';
    case 'fixed':
      return `bytes[${type.size}]`;
    case 'bytes':
      return `bytes<${type.min ? `${type.min}..` : '≤'}${size(type.max)}>`;
    case 'string':
      return `utf8<≤${size(type.max)}>`;
    case 'optional':
      return `optional ${valueText(type.of)}${type.atEnd ? ' (optional at end)' : ''}`;
    case 'struct':
      return `(${fieldsText(type.fields)})`;
    case 'list':
      throw new Error('a list must be a named field, after its count');
  }
}

interface Row {
  type: number;
  name: string;
  direction: string;
  fields: string;
}

const fromCode: Row[] = Object.entries(FRAMES).map(([name, spec]) => ({
  type: spec.type,
  name,
  direction: spec.from === 'client' ? 'client → server' : `server → client${spec.push ? ' (push)' : ''}`,
  fields: fieldsText(spec.fields),
}));

/** The rows of the table under "### Frames": `| Type | Name | Direction | Fields | Answer and notes |`. */
function fromDoc(markdown: string): Row[] {
  const section = markdown.split(/^### Frames$/m)[1]?.split(/^#{1,3} /m)[0] ?? '';
  const rows = section.split('\n').filter((l) => /^\|\s*\d+\s*\|/.test(l));
  const unquote = (s: string) => s.trim().replace(/^`(.*)`$/, '$1');
  return rows.map((line) => {
    const [type = '', name = '', direction = '', fields = ''] = line.split('|').slice(1);
    return { type: Number(type), name: unquote(name), direction: direction.trim(), fields: unquote(fields) };
  });
}

test('docs/protocol.md documents every frame of the code, with its number, sender and fields', () => {
  const doc = fromDoc(readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8'));
  const byType = (a: Row, b: Row) => a.type - b.type;
  expect(doc.length).toBeGreaterThan(0);
  expect([...doc].sort(byType)).toEqual([...fromCode].sort(byType));
});
