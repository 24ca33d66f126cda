/**
 * Encrypting a file for upload, in chunks, so that neither side ever holds a whole file: age's
 * payload construction (C2SP age specification, "Payload"), which is the STREAM online-AEAD of
 * Hoang, Reyhanitabar, Rogaway and Vizár (2015) over ChaCha20-Poly1305 (RFC 8439).
 *
 *   blob        = nonce(16) | chunk_0 | … | chunk_{n-1}
 *   payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload")       (RFC 5869)
 *   chunk_i     = ChaCha20-Poly1305(payload key, counter_i(11, big-endian) | last(1), plaintext_i)
 *
 * Plaintext chunks are 64 KiB, the last one shorter or full but empty only for an empty file; the
 * last-chunk flag (0x01) stops truncation and the counter stops reordering. The only departure
 * from age is the file key's length: 32 bytes, fresh for each file (attachmentBody.ts carries it).
 * Each chunk can be sealed on its own, in any order and again (a resumed upload re-reads a range);
 * opening is strictly in order, and also checks the SHA-256 of the whole blob and the length the
 * message announced.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ATTACHMENT_KEY_BYTES } from './attachmentBody.js';
import { bytesEqual, randomBytes } from './encoding.js';
import { CryptoError } from './errors.js';

export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
export const ATTACHMENT_NONCE_BYTES = 16;
const TAG_BYTES = 16;
const SEALED_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES + TAG_BYTES;
const PAYLOAD_INFO = new TextEncoder().encode('payload');

/**
 * The two primitives sealing needs, swappable for faster ones of the platform (Node's OpenSSL:
 * `nodeAttachmentPrimitives` in @parley/core/node); the default is noble's, which runs anywhere.
 */
export interface AttachmentPrimitives {
  /** ChaCha20-Poly1305 (RFC 8439), the 16-byte tag appended; `open` throws when it fails. */
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array;
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array;
  /** An incremental SHA-256. */
  sha256(): { update(bytes: Uint8Array): void; digest(): Uint8Array };
}

export const nobleAttachmentPrimitives: AttachmentPrimitives = {
  seal: (key, nonce, plaintext) => chacha20poly1305(key, nonce).encrypt(plaintext),
  open: (key, nonce, sealed) => chacha20poly1305(key, nonce).decrypt(sealed),
  sha256: () => sha256.create(),
};

/** How many chunks a file of `size` bytes has (an empty file has one, empty). */
export function chunkCount(size: number): number {
  return size === 0 ? 1 : Math.ceil(size / ATTACHMENT_CHUNK_BYTES);
}

/** The length of the blob that holds a file of `size` bytes. */
export function encryptedSize(size: number): number {
  return ATTACHMENT_NONCE_BYTES + size + TAG_BYTES * chunkCount(size);
}

/** A fresh file key. */
export function newAttachmentKey(): Uint8Array {
  return randomBytes(ATTACHMENT_KEY_BYTES);
}

function payloadKey(fileKey: Uint8Array, nonce: Uint8Array): Uint8Array {
  if (fileKey.length !== ATTACHMENT_KEY_BYTES) throw new RangeError('a file key is 32 bytes');
  if (nonce.length !== ATTACHMENT_NONCE_BYTES) throw new RangeError('a payload nonce is 16 bytes');
  return hkdf(sha256, fileKey, nonce, PAYLOAD_INFO, 32);
}

function chunkNonce(index: number, last: boolean): Uint8Array {
  const nonce = new Uint8Array(12);
  // 11-byte big-endian counter: indexes here stay below 2^53, so the top bytes are zero.
  const view = new DataView(nonce.buffer);
  view.setUint32(3, Math.floor(index / 2 ** 32));
  view.setUint32(7, index >>> 0);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Seals the chunks of one file of a known size; any chunk, any time. */
export class AttachmentSealer {
  /** The blob's first bytes (the payload nonce). */
  readonly header: Uint8Array;
  /** The blob's length. */
  readonly size: number;
  readonly chunks: number;
  private readonly key: Uint8Array;

  constructor(
    fileKey: Uint8Array,
    readonly plainSize: number,
    nonce: Uint8Array = randomBytes(ATTACHMENT_NONCE_BYTES),
    private readonly primitives: AttachmentPrimitives = nobleAttachmentPrimitives,
  ) {
    if (!Number.isSafeInteger(plainSize) || plainSize < 0)
      throw new RangeError('a file size is a whole number');
    this.header = nonce;
    this.key = payloadKey(fileKey, nonce);
    this.chunks = chunkCount(plainSize);
    this.size = encryptedSize(plainSize);
  }

  /** Where chunk `index` lies in the file: [start, end). */
  plainRange(index: number): [number, number] {
    const start = index * ATTACHMENT_CHUNK_BYTES;
    return [start, Math.min(start + ATTACHMENT_CHUNK_BYTES, this.plainSize)];
  }

  /** Where sealed chunk `index` starts in the blob. */
  blobOffset(index: number): number {
    return ATTACHMENT_NONCE_BYTES + index * SEALED_CHUNK_BYTES;
  }

  /** The chunk of the blob that holds blob byte `offset` (past the header). */
  chunkAt(offset: number): number {
    return Math.min(Math.floor((offset - ATTACHMENT_NONCE_BYTES) / SEALED_CHUNK_BYTES), this.chunks - 1);
  }

  seal(index: number, plaintext: Uint8Array): Uint8Array {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunks) throw new RangeError('no such chunk');
    const [start, end] = this.plainRange(index);
    if (plaintext.length !== end - start) throw new RangeError(`chunk ${index} must be ${end - start} bytes`);
    return this.primitives.seal(this.key, chunkNonce(index, index === this.chunks - 1), plaintext);
  }
}

/**
 * Opens a blob as it streams in, in order: `push` returns the plaintext of every chunk completed;
 * `finish` fails unless the blob was whole, of the announced length and digest. Any failure is a
 * CryptoError `decrypt_failed`: the blob was damaged or substituted, and nothing more is returned.
 */
export class AttachmentOpener {
  private readonly hash: ReturnType<AttachmentPrimitives['sha256']>;
  private readonly chunks: number;
  private readonly expectedSize: number;
  private key: Uint8Array | undefined;
  private pending: Uint8Array = new Uint8Array(0);
  private next = 0;
  private received = 0;
  private failed = false;

  constructor(
    private readonly fileKey: Uint8Array,
    private readonly plainSize: number,
    private readonly digest: Uint8Array,
    private readonly primitives: AttachmentPrimitives = nobleAttachmentPrimitives,
  ) {
    this.hash = primitives.sha256();
    this.chunks = chunkCount(plainSize);
    this.expectedSize = encryptedSize(plainSize);
  }

  /** Bytes of the blob taken so far (a resumed download asks for the rest from here). */
  get offset(): number {
    return this.received;
  }

  /** Whether every byte of the blob arrived (then `finish` checks it). */
  get complete(): boolean {
    return this.received === this.expectedSize;
  }

  push(bytes: Uint8Array): Uint8Array[] {
    this.check(!this.failed, 'an earlier part of this file did not decrypt');
    this.received += bytes.length;
    this.check(this.received <= this.expectedSize, 'the file is longer than announced');
    this.hash.update(bytes);
    this.pending = this.pending.length === 0 ? bytes.slice() : concat(this.pending, bytes);
    if (this.key === undefined) {
      if (this.pending.length < ATTACHMENT_NONCE_BYTES) return [];
      this.key = payloadKey(this.fileKey, this.pending.subarray(0, ATTACHMENT_NONCE_BYTES));
      this.pending = this.pending.slice(ATTACHMENT_NONCE_BYTES);
    }
    const out: Uint8Array[] = [];
    while (this.next < this.chunks) {
      const last = this.next === this.chunks - 1;
      const want = last ? this.lastSealedLength() : SEALED_CHUNK_BYTES;
      if (this.pending.length < want) break;
      out.push(this.open(this.pending.subarray(0, want), last));
      this.pending = this.pending.slice(want);
    }
    return out;
  }

  /** After the last byte: throws unless the blob was complete and its digest the announced one. */
  finish(): void {
    this.check(this.received === this.expectedSize && this.next === this.chunks, 'the file ended early');
    this.check(bytesEqual(this.hash.digest(), this.digest), 'the file is not the one the message named');
  }

  private lastSealedLength(): number {
    return this.plainSize - (this.chunks - 1) * ATTACHMENT_CHUNK_BYTES + TAG_BYTES;
  }

  private open(sealed: Uint8Array, last: boolean): Uint8Array {
    try {
      return this.primitives.open(this.key!, chunkNonce(this.next++, last), sealed);
    } catch {
      this.failed = true;
      throw new CryptoError(
        'decrypt_failed',
        'a part of the file did not decrypt: it was damaged or replaced',
      );
    }
  }

  private check(ok: boolean, message: string): void {
    if (ok) return;
    this.failed = true;
    throw new CryptoError('decrypt_failed', message);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
