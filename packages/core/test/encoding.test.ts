/**
 * The canonical codec's buffers: `Writer.pooled` writes into one buffer kept between calls and
 * returns a copy of exactly what was written; `Reader` reads integers in place and hands out bytes
 * as `slice` does (a copy of a Uint8Array).
 */
import { expect, test } from 'vitest';
import { Reader, Writer } from '../src/encoding.js';

const encode = (n: number, body: Uint8Array) => Writer.pooled((w) => w.u32(n).bytes(body, 0xffff));

test('pooled writes are independent copies: a later write, a nested one, or a failed one changes none of them', () => {
  const first = encode(1, Uint8Array.of(1, 2, 3));
  const nested = Writer.pooled((w) => {
    w.u8(9);
    // A write started inside another gets a buffer of its own.
    w.bytes(encode(2, Uint8Array.of(4, 5)), 0xff);
  });
  expect(() => Writer.pooled((w) => w.u8(300))).toThrow(RangeError);
  const large = encode(3, new Uint8Array(40_000).fill(7)); // past the kept buffer: grows
  const after = encode(4, Uint8Array.of(6));
  expect([...first]).toEqual([0, 0, 0, 1, 0, 3, 1, 2, 3]);
  expect([...nested]).toEqual([9, 8, 0, 0, 0, 2, 0, 2, 4, 5]);
  expect(large.length).toBe(4 + 2 + 40_000);
  expect(large.subarray(6).every((b) => b === 7)).toBe(true);
  expect([...after]).toEqual([0, 0, 0, 4, 0, 1, 6]);
  expect(first.buffer).not.toBe(after.buffer);
});

test('a Reader reads integers in place and returns bytes that do not share the input', () => {
  const input = Uint8Array.of(
    0xff,
    0x01,
    0x02,
    0x00,
    0x00,
    0x00,
    0x01,
    0x00,
    0x1f,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    0xff,
    2,
    0xaa,
    0xbb,
  );
  const r = new Reader(input);
  expect(r.u8()).toBe(0xff);
  expect(r.u16()).toBe(0x0102);
  expect(r.u32()).toBe(1);
  expect(r.u64()).toBe(Number.MAX_SAFE_INTEGER);
  const b = r.bytes(0xff);
  expect([...b]).toEqual([0xaa, 0xbb]);
  r.end();
  input[16] = 0;
  expect(b[0]).toBe(0xaa);
  expect(() => new Reader(Uint8Array.of(0, 1)).u32()).toThrow('truncated input');
  expect(() => new Reader(new Uint8Array(8).fill(0xff)).u64()).toThrow('integer out of range');
});
