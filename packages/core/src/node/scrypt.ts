import { scrypt } from 'node:crypto';
import type { ScryptFunction } from '../atRest.js';

/** Node's native scrypt (OpenSSL): same output as @noble/hashes's, several times faster. */
export const nodeScrypt: ScryptFunction = (passphrase, salt, { logN, r, p }, dkLen) =>
  new Promise((resolve, reject) => {
    const N = 2 ** logN;
    scrypt(passphrase, salt, dkLen, { N, r, p, maxmem: 256 * N * r + 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(new Uint8Array(key)),
    );
  });
