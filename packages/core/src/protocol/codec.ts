/** Writes and reads values laid out by a table of fields (fields.ts), with Parley's canonical Writer and Reader. */

import type { Reader, Writer } from '../encoding.js';
import { DecodeError } from '../errors.js';
import type { CountType, Fields, FieldType, ValueType } from './fields.js';

type Value = Record<string, unknown>;

/** Each table's fields as entries, listed once: frames are encoded and decoded on the hot path. */
const entries = new WeakMap<Fields, [string, FieldType][]>();
function entriesOf(fields: Fields): [string, FieldType][] {
  const listed = entries.get(fields);
  if (listed !== undefined) return listed;
  const list = Object.entries(fields);
  entries.set(fields, list);
  return list;
}

/** Append `value`'s fields; RangeError for a value the fields cannot carry. */
export function writeFields(w: Writer, fields: Fields, value: Value): void {
  for (const [name, type] of entriesOf(fields)) {
    // A list added at the end (optionalAtEnd) may be absent: written as empty.
    if (type.kind === 'count') writeCount(w, type, (value[type.list] as unknown[] | undefined)?.length ?? 0);
    else writeValue(w, type, value[name]);
  }
}

function writeCount(w: Writer, type: CountType, n: number): void {
  if (type.max !== undefined && n > type.max) throw new RangeError(`too many ${type.list}`);
  w[type.width](n);
}

function writeValue(w: Writer, type: ValueType, v: unknown): void {
  switch (type.kind) {
    case 'uint':
      w[type.width](v as number);
      return;
    case 'bool':
      w.u8(v ? 1 : 0);
      return;
    case 'fixed':
      w.fixed(v as Uint8Array, type.size);
      return;
    case 'bytes':
      w.bytes(v as Uint8Array, type.max);
      return;
    case 'string':
      w.string(v as string, type.max);
      return;
    case 'optional':
      // Absent (undefined) is written as null.
      w.u8(v == null ? 0 : 1);
      if (v != null) writeValue(w, type.of, v);
      return;
    case 'list':
      for (const item of (v as unknown[] | undefined) ?? []) writeValue(w, type.of, item);
      return;
    case 'struct':
      writeFields(w, type.fields, v as Value);
  }
}

/** Read the fields in order; DecodeError for anything they do not allow. */
export function readFields(r: Reader, fields: Fields): Value {
  const out: Value = {};
  const counts: Record<string, number> = {};
  for (const [name, type] of entriesOf(fields)) {
    if (type.kind === 'count') counts[type.list] = readCount(r, type);
    else out[name] = readValue(r, name, type, counts[name] ?? 0);
  }
  return out;
}

function readCount(r: Reader, type: CountType): number {
  if (type.optionalAtEnd && r.remaining === 0) return 0;
  const n = r[type.width]();
  if (type.max !== undefined && n > type.max) throw new DecodeError(`too many ${type.list}`, 'too_large');
  return n;
}

/** `n`: the count read for this field when it is a list. */
function readValue(r: Reader, name: string, type: ValueType, n: number): unknown {
  switch (type.kind) {
    case 'uint': {
      const v = r[type.width]();
      if ((type.min !== undefined && v < type.min) || (type.max !== undefined && v > type.max))
        throw new DecodeError(`${name} must be ${type.min ?? 0} to ${type.max}`);
      return v;
    }
    case 'bool':
      if (type.optionalAtEnd && r.remaining === 0) return false;
      return r.u8() === 1;
    case 'fixed':
      return r.fixed(type.size);
    case 'bytes': {
      const b = r.bytes(type.max);
      if (b.length < (type.min ?? 0)) throw new DecodeError(`${name} shorter than ${type.min} bytes`);
      return b;
    }
    case 'string':
      return r.string(type.max);
    case 'optional': {
      if (type.atEnd && r.remaining === 0) return null;
      const flag = r.u8();
      if (flag > 1) throw new DecodeError('bad flag');
      return flag === 1 ? readValue(r, name, type.of, 0) : null;
    }
    case 'list': {
      const items: unknown[] = [];
      for (let i = 0; i < n; i++) items.push(readValue(r, name, type.of, 0));
      return items;
    }
    case 'struct':
      return readFields(r, type.fields);
  }
}
