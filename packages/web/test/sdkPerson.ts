/** Someone using the SDK in Node (not a browser), on a web test's server: their client and the texts it received. */
import { MemoryRecordStore, ParleyApi, ParleyClient, type ParleyClientOptions } from '@parley/client';
import { nodeSocketFactory } from '@parley/client/node';
import { generateStorageKey } from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';

export async function sdkPerson(url: string, name: string, options: Partial<ParleyClientOptions> = {}) {
  const identity = await new ParleyApi(url).register(
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
