/** The crypto providers every MLS test runs against: ts-mls's default and Parley's native one. */
import { type CryptoProvider, defaultCryptoProvider } from 'ts-mls';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';

export const providers: ReadonlyArray<{ name: string; provider: CryptoProvider }> = [
  { name: 'default', provider: defaultCryptoProvider },
  { name: 'native', provider: nativeCryptoProvider },
];
