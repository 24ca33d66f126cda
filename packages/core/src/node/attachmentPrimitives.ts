/** Attachment sealing on node:crypto (OpenSSL): the same ChaCha20-Poly1305 and SHA-256, several times faster. */
import { createHash } from 'node:crypto';
import type { AttachmentPrimitives } from '../attachmentCipher.js';
import { nativeAead } from './aead.js';

const aead = nativeAead('CHACHA20POLY1305');

export const nodeAttachmentPrimitives: AttachmentPrimitives = {
  seal: (key, nonce, plaintext) => aead.encrypt(key, nonce, undefined, plaintext),
  open: (key, nonce, sealed) => aead.decrypt(key, nonce, undefined, sealed),
  sha256: () => {
    const hash = createHash('sha256');
    return {
      update: (bytes) => void hash.update(bytes),
      digest: () => new Uint8Array(hash.digest()),
    };
  },
};
