/** The MLS ciphersuites Parley offers. Every device key is Ed25519, so every suite signs with Ed25519. */
import type { CiphersuiteName } from 'ts-mls';

/** RFC 9420 suite 1: the default for every new conversation. */
export const DEFAULT_CIPHERSUITE: CiphersuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/** Hybrid post-quantum KEM (X-Wing: ML-KEM-768 + X25519), offered as an option for new conversations. */
export const POST_QUANTUM_CIPHERSUITE: CiphersuiteName = 'MLS_256_XWING_AES256GCM_SHA512_Ed25519';

export const SUPPORTED_CIPHERSUITES: readonly CiphersuiteName[] = [
  DEFAULT_CIPHERSUITE,
  'MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519',
  POST_QUANTUM_CIPHERSUITE,
  'MLS_256_XWING_CHACHA20POLY1305_SHA512_Ed25519',
];
