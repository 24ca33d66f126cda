/**
 * Stands in for Node's "crypto" module in the browser bundle: some crypto libraries fall back to
 * `(await import("crypto")).webcrypto` when `globalThis.crypto` is missing. In a browser it is
 * always there (in a secure context), so the fallback is the platform's own WebCrypto.
 */
export const webcrypto: Crypto = globalThis.crypto;
export default { webcrypto };
