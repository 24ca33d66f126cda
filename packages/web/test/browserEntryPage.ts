/** What browserEntry.test.ts bundles for the page: the SDK's browser entry, and a way to make an identity. */
import { createAccount, DEFAULT_CIPHERSUITE, type DeviceIdentity } from '@parley/core';
import { getCiphersuiteFromName, getCiphersuiteImpl } from 'ts-mls';

export { BrowserDevices, IndexedDbRecordStore } from '@parley/client/browser';

export async function makeIdentity(username: string): Promise<DeviceIdentity> {
  return createAccount(username, await getCiphersuiteImpl(getCiphersuiteFromName(DEFAULT_CIPHERSUITE)));
}
