/** AES-GCM and ChaCha20-Poly1305 (RFC 8439) on node:crypto, with a 16-byte tag appended. */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import type { AeadAlgorithm } from 'ts-mls';
import { CryptoError } from 'ts-mls/mlsError.js';

const aeadCipher: Record<AeadAlgorithm, { name: string; keyLength: number }> = {
  AES128GCM: { name: 'aes-128-gcm', keyLength: 16 },
  AES256GCM: { name: 'aes-256-gcm', keyLength: 32 },
  CHACHA20POLY1305: { name: 'chacha20-poly1305', keyLength: 32 },
};

const TAG_LENGTH = 16;
const NONCE_LENGTH = 12;

export interface NativeAead {
  encrypt(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array | undefined, plaintext: Uint8Array): Uint8Array;
  decrypt(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array | undefined,
    ciphertext: Uint8Array,
  ): Uint8Array;
}

export function nativeAead(alg: AeadAlgorithm): NativeAead {
  const { name, keyLength } = aeadCipher[alg];
  const check = (key: Uint8Array, nonce: Uint8Array) => {
    if (key.length !== keyLength) throw new CryptoError(`${alg}: key must be ${keyLength} bytes`);
    if (nonce.length !== NONCE_LENGTH) throw new CryptoError(`${alg}: nonce must be ${NONCE_LENGTH} bytes`);
  };
  return {
    encrypt(key, nonce, aad, plaintext) {
      check(key, nonce);
      // The cast picks the AEAD overload; the cipher name above is always an AEAD mode.
      const c = createCipheriv(name as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      if (aad !== undefined && aad.length > 0) c.setAAD(aad, { plaintextLength: plaintext.length });
      const head = c.update(plaintext);
      const tail = c.final();
      const out = new Uint8Array(head.length + tail.length + TAG_LENGTH);
      out.set(head, 0);
      out.set(tail, head.length);
      out.set(c.getAuthTag(), head.length + tail.length);
      return out;
    },
    decrypt(key, nonce, aad, ciphertext) {
      check(key, nonce);
      if (ciphertext.length < TAG_LENGTH) throw new CryptoError(`${alg}: ciphertext shorter than the tag`);
      const body = ciphertext.subarray(0, ciphertext.length - TAG_LENGTH);
      const d = createDecipheriv(name as 'aes-128-gcm', key, nonce, { authTagLength: TAG_LENGTH });
      d.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LENGTH));
      if (aad !== undefined && aad.length > 0) d.setAAD(aad, { plaintextLength: body.length });
      try {
        const head = d.update(body);
        const tail = d.final();
        const out = new Uint8Array(head.length + tail.length);
        out.set(head, 0);
        out.set(tail, head.length);
        return out;
      } catch {
        throw new CryptoError(`${alg}: authentication failed`);
      }
    },
  };
}
