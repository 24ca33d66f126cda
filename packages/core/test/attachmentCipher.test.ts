/**
 * Attachments are sealed with age's payload construction (STREAM over ChaCha20-Poly1305): checked
 * against a second, independent implementation of the specification over node:crypto, and against
 * damaged, truncated, reordered, extended and substituted blobs.
 */
import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import {
  ATTACHMENT_CHUNK_BYTES,
  AttachmentOpener,
  AttachmentSealer,
  encryptedSize,
  is,
  newAttachmentKey,
} from '@parley/core';
import { nodeAttachmentPrimitives } from '@parley/core/node';
import { describe, expect, test } from 'vitest';

const CHUNK = ATTACHMENT_CHUNK_BYTES;

/** The whole blob, sealing chunk by chunk. */
function sealAll(sealer: AttachmentSealer, file: Uint8Array): Uint8Array {
  const parts = [sealer.header];
  for (let i = 0; i < sealer.chunks; i++) {
    const [start, end] = sealer.plainRange(i);
    parts.push(sealer.seal(i, file.subarray(start, end)));
  }
  return Buffer.concat(parts);
}

/** The specification again, written over node:crypto (OpenSSL) for comparison. */
function ageReference(fileKey: Uint8Array, nonce: Uint8Array, file: Uint8Array): Uint8Array {
  const key = Buffer.from(hkdfSync('sha256', fileKey, nonce, 'payload', 32));
  const chunks = Math.max(1, Math.ceil(file.length / CHUNK));
  const out: Buffer[] = [Buffer.from(nonce)];
  for (let i = 0; i < chunks; i++) {
    const iv = Buffer.alloc(12);
    iv.writeBigUInt64BE(BigInt(i), 3);
    iv[11] = i === chunks - 1 ? 1 : 0;
    const cipher = createCipheriv('chacha20-poly1305', key, iv, { authTagLength: 16 });
    out.push(cipher.update(file.subarray(i * CHUNK, (i + 1) * CHUNK)), cipher.final(), cipher.getAuthTag());
  }
  return Buffer.concat(out);
}

function digest(blob: Uint8Array): Uint8Array {
  return createHash('sha256').update(blob).digest();
}

/** Open `blob` fed in pieces of `step` bytes; the plaintext, or the error thrown. */
function openAll(key: Uint8Array, size: number, sha: Uint8Array, blob: Uint8Array, step = 10_000) {
  const opener = new AttachmentOpener(key, size, sha);
  const parts: Uint8Array[] = [];
  try {
    for (let at = 0; at < blob.length; at += step) parts.push(...opener.push(blob.subarray(at, at + step)));
    opener.finish();
    return Buffer.concat(parts);
  } catch (e) {
    return e;
  }
}

const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17];

describe('attachment sealing (age payload construction)', () => {
  test.each(sizes)('a %i-byte file matches an independent implementation and opens again', (size) => {
    const file = randomBytes(size);
    const key = newAttachmentKey();
    const sealer = new AttachmentSealer(key, size);
    const blob = sealAll(sealer, file);
    expect(blob.length).toBe(encryptedSize(size));
    expect(Buffer.from(blob).equals(ageReference(key, sealer.header, file))).toBe(true);
    expect(Buffer.from(openAll(key, size, digest(blob), blob, 7_777) as Uint8Array).equals(file)).toBe(true);
  });

  test('the node:crypto primitives seal and open exactly as the portable ones', () => {
    const file = randomBytes(2 * CHUNK + 9);
    const key = newAttachmentKey();
    const portable = new AttachmentSealer(key, file.length);
    const native = new AttachmentSealer(key, file.length, portable.header, nodeAttachmentPrimitives);
    const blob = sealAll(native, file);
    expect(Buffer.from(blob).equals(Buffer.from(sealAll(portable, file)))).toBe(true);
    const opener = new AttachmentOpener(key, file.length, digest(blob), nodeAttachmentPrimitives);
    expect(Buffer.concat(opener.push(blob)).equals(file)).toBe(true);
    opener.finish();
    const bad = blob.slice();
    bad[40]! ^= 1;
    const failing = new AttachmentOpener(key, file.length, digest(bad), nodeAttachmentPrimitives);
    expect(() => failing.push(bad)).toThrow(/did not decrypt/);
  });

  test('sealing a chunk again gives the same bytes (a resumed upload re-reads a range)', () => {
    const file = randomBytes(2 * CHUNK + 5);
    const sealer = new AttachmentSealer(newAttachmentKey(), file.length);
    const [s, e] = sealer.plainRange(1);
    expect(sealer.seal(1, file.subarray(s, e))).toEqual(sealer.seal(1, file.subarray(s, e)));
    expect(sealer.blobOffset(1)).toBe(16 + CHUNK + 16);
    expect(sealer.chunkAt(sealer.blobOffset(2) + 3)).toBe(2);
  });
});

describe('opening a damaged or substituted attachment fails with decrypt_failed', () => {
  const size = 2 * CHUNK + 100;
  const file = randomBytes(size);
  const key = newAttachmentKey();
  const blob = sealAll(new AttachmentSealer(key, size), file);
  const sha = digest(blob);
  const failsWith = (result: unknown) => {
    expect(is(result, 'decrypt_failed')).toBe(true);
  };

  test('a flipped byte in a chunk', () => {
    const bad = blob.slice();
    bad[CHUNK + 100]! ^= 1;
    failsWith(openAll(key, size, digest(bad), bad));
  });

  test('a blob cut after a whole chunk (the last-chunk flag is missing)', () => {
    const cut = blob.slice(0, 16 + CHUNK + 16);
    failsWith(openAll(key, CHUNK, digest(cut), cut));
    failsWith(openAll(key, size, digest(cut), cut));
  });

  test('chunks swapped', () => {
    const a = blob.subarray(16, 16 + CHUNK + 16);
    const b = blob.subarray(16 + CHUNK + 16, 16 + 2 * (CHUNK + 16));
    const swapped = Buffer.concat([blob.subarray(0, 16), b, a, blob.subarray(16 + 2 * (CHUNK + 16))]);
    failsWith(openAll(key, size, digest(swapped), swapped));
  });

  test('bytes appended, a wrong key, a wrong digest, a wrong announced size', () => {
    const longer = Buffer.concat([blob, new Uint8Array(1)]);
    failsWith(openAll(key, size, digest(longer), longer));
    failsWith(openAll(newAttachmentKey(), size, sha, blob));
    failsWith(openAll(key, size, new Uint8Array(32), blob));
    failsWith(openAll(key, size - 1, sha, blob));
  });

  test('nothing more is returned after a failure', () => {
    const bad = blob.slice();
    bad[20]! ^= 1;
    const opener = new AttachmentOpener(key, size, digest(bad));
    expect(() => opener.push(bad.subarray(0, 16 + CHUNK + 16))).toThrow();
    expect(() => opener.push(bad.subarray(16 + CHUNK + 16))).toThrow();
  });
});
