/** What browserEntry.test.ts bundles for the page: the SDK's browser entry, and a way to make an identity. */
import { createAccount, DEFAULT_CIPHERSUITE, type DeviceIdentity, loadCiphersuite } from '@parley/core';

export { BrowserDevices, IndexedDbRecordStore } from '@parley/client/browser';

export async function makeIdentity(username: string): Promise<DeviceIdentity> {
  return createAccount(username, await loadCiphersuite(DEFAULT_CIPHERSUITE));
}
