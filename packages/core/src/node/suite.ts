import { type CiphersuiteImpl, type CiphersuiteName, loadCiphersuite } from '../mls.js';
import { DEFAULT_CIPHERSUITE } from '../suites.js';
import { nativeCryptoProvider } from './nativeProvider.js';

/** A ciphersuite's implementation on the node:crypto provider, made once per suite. */
export function nativeCiphersuite(name: CiphersuiteName = DEFAULT_CIPHERSUITE): Promise<CiphersuiteImpl> {
  return loadCiphersuite(name, nativeCryptoProvider);
}
