/** psk_secret.json: psk_secret from a list of external PSKs. */
import { computePskSecret, type PreSharedKeyID } from 'ts-mls/presharedkey.js';
import { checkBytes, describeSuiteVectors, hex } from './vectors.js';

interface PskSecretCase {
  cipher_suite: number;
  psks: { psk_id: string; psk: string; psk_nonce: string }[];
  psk_secret: string;
}

describeSuiteVectors<PskSecretCase>('psk_secret', async (v, { impl }) => {
  const psks = v.psks.map((p): [PreSharedKeyID, Uint8Array] => [
    { psktype: 'external', pskId: hex(p.psk_id), pskNonce: hex(p.psk_nonce) },
    hex(p.psk),
  ]);
  checkBytes(`psk_secret (${psks.length} PSKs)`, await computePskSecret(psks, impl), v.psk_secret);
});
