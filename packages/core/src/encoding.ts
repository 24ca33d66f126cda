/**
 * Canonical binary encoding used by Parley's own structures (certificates, revocations, app
 * messages, stored records, WebSocket frames, cluster messages). TLS presentation-language style
 * (RFC 8446 §3): big-endian integers and length-prefixed byte strings. Every read is bounds-checked
 * and every variable-length field has an explicit maximum, so a decoder never allocates more than
 * its caller allowed. Hex, base64url and byte helpers are the noble/scure ones, with Parley's errors.
 */
import { equalBytes } from '@noble/curves/utils.js';
import { bytesToHex, concatBytes, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { base64, base64urlnopad } from '@scure/base';
import { DecodeError } from './errors.js';

export { concatBytes, randomBytes };

const textDecoder = new TextDecoder('utf-8', { fatal: true });

export const utf8: (s: string) => Uint8Array = utf8ToBytes;

export function fromUtf8(b: Uint8Array): string {
  try {
    return textDecoder.decode(b);
  } catch {
    throw new DecodeError('invalid UTF-8');
  }
}

/** Constant-time equality for secrets; also fine for public values. */
export const bytesEqual: (a: Uint8Array, b: Uint8Array) => boolean = equalBytes;

/** Node's Buffer, where there is one (the server, the CLI); browsers have none. */
const NodeBuffer = (
  globalThis as {
    Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): { toString(enc: 'hex'): string } };
  }
).Buffer;

/**
 * Lowercase hex. Under Node through Buffer, natively: noble's builds the string two characters at a
 * time, about a kilobyte of garbage for a 32-byte group id, and the server makes such keys for
 * every message.
 */
export const toHex: (b: Uint8Array) => string =
  NodeBuffer === undefined
    ? bytesToHex
    : (b) => {
        if (!(b instanceof Uint8Array)) return bytesToHex(b); // noble's own refusal of non-bytes
        return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
      };

export function fromHex(s: string): Uint8Array {
  return decodeText(hexToBytes, s, 'invalid hex');
}

/** Base64url without padding (RFC 4648 §5); decoding refuses padding and non-zero spare bits. */
export const toBase64Url: (b: Uint8Array) => string = base64urlnopad.encode;

export function fromBase64Url(s: string): Uint8Array {
  return decodeText(base64urlnopad.decode, s, 'invalid base64url');
}

/** Standard base64 with padding (RFC 4648 §4), as data: URLs take it. */
export const toBase64: (b: Uint8Array) => string = base64.encode;

export function fromBase64(s: string): Uint8Array {
  return decodeText(base64.decode, s, 'invalid base64');
}

function decodeText(decode: (s: string) => Uint8Array, s: string, what: string): Uint8Array {
  try {
    return decode(s);
  } catch {
    throw new DecodeError(what);
  }
}

/** The buffer `Writer.pooled` writes into, while no other writer of it is running. */
let scratch: Uint8Array | undefined = new Uint8Array(16 * 1024);

/** Appends canonical fields to a growing buffer. */
export class Writer {
  private buf: Uint8Array;
  private len = 0;

  constructor(buffer?: Uint8Array) {
    this.buf = buffer ?? new Uint8Array(128);
  }

  /**
   * Encode with `write` into a buffer kept between calls, and return a copy of exactly what was
   * written: one allocation for the result instead of a buffer grown by doubling and then cut (the
   * server encodes a frame or more per message). A call made while another is running (nested)
   * gets a buffer of its own.
   */
  static pooled(write: (w: Writer) => void): Uint8Array {
    const buffer = scratch;
    scratch = undefined;
    try {
      const w = new Writer(buffer);
      write(w);
      return w.finish();
    } finally {
      if (buffer !== undefined) scratch = buffer;
    }
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new RangeError('u8 out of range');
    this.reserve(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError('u16 out of range');
    this.reserve(2);
    this.buf[this.len++] = v >>> 8;
    this.buf[this.len++] = v & 0xff;
    return this;
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError('u32 out of range');
    this.reserve(4);
    this.put32(v);
    return this;
  }

  /** A non-negative integer up to 2^53 - 1 (milliseconds since the epoch, counters). */
  u64(v: number): this {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError('u64 out of range');
    this.reserve(8);
    this.put32(Math.floor(v / 0x100000000));
    this.put32(v >>> 0);
    return this;
  }

  /** Four big-endian bytes (a Uint8Array keeps the low 8 bits of what it is given). */
  private put32(v: number): void {
    const i = this.len;
    this.buf[i] = v >>> 24;
    this.buf[i + 1] = v >>> 16;
    this.buf[i + 2] = v >>> 8;
    this.buf[i + 3] = v;
    this.len += 4;
  }

  /** Raw bytes of a length both sides know. */
  fixed(b: Uint8Array, length: number): this {
    if (b.length !== length) throw new RangeError(`expected ${length} bytes`);
    this.reserve(length);
    this.buf.set(b, this.len);
    this.len += length;
    return this;
  }

  /** Length-prefixed bytes: u8 prefix if max < 256, u16 if max < 65536, else u32. */
  bytes(b: Uint8Array, max: number): this {
    if (b.length > max) throw new RangeError(`field longer than ${max} bytes`);
    if (max < 0x100) this.u8(b.length);
    else if (max < 0x10000) this.u16(b.length);
    else this.u32(b.length);
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  string(s: string, maxBytes: number): this {
    return this.bytes(utf8(s), maxBytes);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads canonical fields; every method throws DecodeError instead of reading past the end. */
export class Reader {
  private offset = 0;
  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  /** Where the next `n` bytes start; they are consumed. Integers are read in place, no view made. */
  private take(n: number): number {
    if (n > this.remaining) throw new DecodeError('truncated input');
    const at = this.offset;
    this.offset += n;
    return at;
  }

  /** The next `n` bytes as `slice` gives them (a copy; for a Node Buffer, a view, as before). */
  private takeBytes(n: number): Uint8Array {
    const at = this.take(n);
    return this.buf.slice(at, at + n);
  }

  u8(): number {
    return this.buf[this.take(1)] as number;
  }

  u16(): number {
    const at = this.take(2);
    return ((this.buf[at] as number) << 8) | (this.buf[at + 1] as number);
  }

  u32(): number {
    return u32At(this.buf, this.take(4));
  }

  u64(): number {
    const at = this.take(8);
    const high = u32At(this.buf, at);
    if (high > 0x1fffff) throw new DecodeError('integer out of range'); // over 2^53 - 1
    return high * 0x100000000 + u32At(this.buf, at + 4);
  }

  fixed(length: number): Uint8Array {
    return this.takeBytes(length);
  }

  bytes(max: number): Uint8Array {
    const length = max < 0x100 ? this.u8() : max < 0x10000 ? this.u16() : this.u32();
    if (length > max) throw new DecodeError(`field longer than ${max} bytes`, 'too_large');
    return this.takeBytes(length);
  }

  string(maxBytes: number): string {
    return fromUtf8(this.bytes(maxBytes));
  }

  /** The rest of the input, unparsed. */
  rest(): Uint8Array {
    return this.takeBytes(this.remaining);
  }

  /** Canonical encodings have no trailing bytes. */
  end(): void {
    if (this.remaining !== 0) throw new DecodeError('trailing bytes');
  }
}

function u32At(b: Uint8Array, i: number): number {
  return (
    (b[i] as number) * 0x1000000 +
    (((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number))
  );
}

/** Run a decoder, converting any stray exception into a DecodeError. */
export function decodeWith<T>(bytes: Uint8Array, maxLength: number, what: string, f: (r: Reader) => T): T {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError(`${what}: expected bytes`);
  if (bytes.length > maxLength) throw new DecodeError(`${what}: larger than ${maxLength} bytes`, 'too_large');
  const r = new Reader(bytes);
  try {
    const value = f(r);
    r.end();
    return value;
  } catch (e) {
    if (e instanceof DecodeError) throw new DecodeError(`${what}: ${e.message}`, e.code as 'decode_error');
    throw new DecodeError(`${what}: malformed`);
  }
}
