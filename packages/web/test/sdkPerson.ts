/** Someone using the SDK in Node (not a browser), on a web test's server: their client and the texts it received. */
import { MemoryRecordStore, ParleyApi, ParleyClient, type ParleyClientOptions } from '@parley/client';
import { nodeSocketFactory } from '@parley/client/node';
import { generateStorageKey } from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';

/**
 * Registered with the cheap test key stretching (`unsafeTestingCheapKsf`, refused outside a test
 * run) unless `signsInOnTheWeb`: the web app stretches with the production parameters, so someone
 * who later signs in in the browser must have registered with them.
 */
export async function sdkPerson(
  url: string,
  name: string,
  options: Partial<ParleyClientOptions> = {},
  { signsInOnTheWeb = false }: { signsInOnTheWeb?: boolean } = {},
) {
  const identity = await new ParleyApi(url, { unsafeTestingCheapKsf: !signsInOnTheWeb }).register(
    name,
    `${name}-password-1234`,
    await nativeCiphersuite(),
  );
  const client = await ParleyClient.open({
    serverUrl: url,
    identity,
    records: new MemoryRecordStore(),
    storageKey: generateStorageKey(),
    mls: { provider: nativeCryptoProvider },
    socketFactory: nodeSocketFactory,
    ...options,
  });
  const inbox: string[] = [];
  client.on('message', (m) => inbox.push(m.text));
  client.start();
  return { identity, client, inbox };
}
