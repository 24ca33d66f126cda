import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addAccount,
  createAccount,
  createGroup,
  createMlsDevice,
  generateKeyPackage,
  generateStorageKey,
  type ParleyError,
  utf8,
} from '@parley/core';
import { nativeCiphersuite, nativeCryptoProvider } from '@parley/core/node';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryRecordStore, type RecordStore, SealedStore, StoredIdentities } from '../src/index.js';
import { SqliteRecordStore } from '../src/node.js';

const cs = await nativeCiphersuite();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'parley-store-'));
  dirs.push(d);
  return join(d, 'client.sqlite3');
}

const implementations: Array<[string, () => RecordStore]> = [
  ['memory', () => new MemoryRecordStore()],
  ['sqlite', () => new SqliteRecordStore(tempFile())],
];

describe.each(implementations)('RecordStore [%s]', (_name, make) => {
  test('get, put, overwrite, delete', async () => {
    const s = make();
    expect(await s.get('ns', 'a')).toBeUndefined();
    await s.put('ns', 'a', utf8('one'));
    await s.put('ns', 'a', utf8('two'));
    expect(new TextDecoder().decode(await s.get('ns', 'a'))).toBe('two');
    expect(await s.get('other', 'a')).toBeUndefined();
    await s.delete('ns', 'a');
    expect(await s.get('ns', 'a')).toBeUndefined();
    await s.close();
  });

  test('list is ordered by key, pages with after and limit, and stays within its namespace', async () => {
    const s = make();
    for (const k of ['m003', 'm001', 'm002', 'm010']) await s.put('messages:g1', k, utf8(k));
    await s.put('messages:g2', 'm000', utf8('x'));
    expect((await s.list('messages:g1')).map((r) => r.key)).toEqual(['m001', 'm002', 'm003', 'm010']);
    expect((await s.list('messages:g1', { after: 'm002', limit: 1 })).map((r) => r.key)).toEqual(['m003']);
    expect(await s.list('nothing')).toEqual([]);
    await s.close();
  });

  test('list reads backwards from an exclusive upper key, at most limit, within its namespace', async () => {
    const s = make();
    for (const k of ['m003', 'm001', 'm002', 'm010', 'm004']) await s.put('messages:g1', k, utf8(k));
    await s.put('messages:g2', 'm000', utf8('x'));
    await s.put('messages:g', 'z', utf8('y'));
    await s.put('messages:g1z', 'a', utf8('y'));
    const keys = async (options: Parameters<RecordStore['list']>[1]) =>
      (await s.list('messages:g1', options)).map((r) => r.key);
    expect(await keys({ reverse: true })).toEqual(['m010', 'm004', 'm003', 'm002', 'm001']);
    expect(await keys({ reverse: true, limit: 2 })).toEqual(['m010', 'm004']);
    expect(await keys({ reverse: true, before: 'm004', limit: 2 })).toEqual(['m003', 'm002']);
    expect(await keys({ reverse: true, before: 'm002', limit: 2 })).toEqual(['m001']);
    expect(await keys({ reverse: true, before: 'm001', limit: 2 })).toEqual([]);
    expect(await keys({ reverse: true, before: 'm0035' })).toEqual(['m003', 'm002', 'm001']);
    expect(await keys({ reverse: true, after: 'm001', before: 'm010' })).toEqual(['m004', 'm003', 'm002']);
    expect(await keys({ before: 'm004', limit: 2 })).toEqual(['m001', 'm002']);
    expect(await keys({ reverse: true, after: 'm004', before: 'm003' })).toEqual([]);
    const values = (await s.list('messages:g1', { reverse: true, limit: 1 })).map((r) =>
      new TextDecoder().decode(r.value),
    );
    expect(values).toEqual(['m010']);
    expect(await s.list('nothing', { reverse: true, limit: 3 })).toEqual([]);
    await s.close();
  });

  test('a sealed page opens only its own records and tells whether more lie beyond it', async () => {
    const records = make();
    const sealed = new SealedStore(records, generateStorageKey());
    for (const k of ['m1', 'm2', 'm3', 'm4', 'm5']) await sealed.put('messages:g1', k, utf8(k));
    // A record that cannot be opened just past the page: reading the page must not open it.
    await records.put('messages:g1', 'm0', utf8('not sealed'));
    const first = await sealed.page('messages:g1', { reverse: true, limit: 2 });
    expect(first.rows.map((r) => new TextDecoder().decode(r.value))).toEqual(['m5', 'm4']);
    expect(first.more).toBe(true);
    const second = await sealed.page('messages:g1', { reverse: true, before: 'm4', limit: 3 });
    expect(second.rows.map((r) => r.key)).toEqual(['m3', 'm2', 'm1']);
    expect(second.more).toBe(true);
    await records.delete('messages:g1', 'm0');
    expect(await sealed.page('messages:g1', { reverse: true, before: 'm2', limit: 1 })).toMatchObject({
      rows: [{ key: 'm1' }],
      more: false,
    });
    await records.close();
  });

  test('batch puts and deletes several records at once, and a batch that fails leaves nothing', async () => {
    const s = make();
    await s.put('cursors', 'g1', utf8('1'));
    await s.put('own:g1', '2', utf8('x'));
    await s.batch([
      { ns: 'groups', key: 'g1', value: utf8('state 2') },
      { ns: 'cursors', key: 'g1', value: utf8('2') },
      { ns: 'own:g1', key: '2', value: null },
      { ns: 'messages:g1', key: '2', value: utf8('hello') },
    ]);
    expect(new TextDecoder().decode(await s.get('cursors', 'g1'))).toBe('2');
    expect(await s.get('own:g1', '2')).toBeUndefined();
    expect((await s.list('messages:g1')).map((r) => r.key)).toEqual(['2']);
    // A write that fails halfway through (here a value that cannot be read) undoes the whole batch.
    const broken = {
      get buffer(): never {
        throw new Error('unreadable');
      },
      slice(): never {
        throw new Error('unreadable');
      },
    } as unknown as Uint8Array;
    await expect(
      s.batch([
        { ns: 'cursors', key: 'g1', value: utf8('3') },
        { ns: 'messages:g1', key: '2', value: null },
        { ns: 'groups', key: 'g1', value: broken },
      ]),
    ).rejects.toThrow();
    expect(new TextDecoder().decode(await s.get('cursors', 'g1'))).toBe('2');
    expect(new TextDecoder().decode(await s.get('groups', 'g1'))).toBe('state 2');
    expect((await s.list('messages:g1')).map((r) => r.key)).toEqual(['2']);
    await s.close();
  });
});

describe('sealed records', () => {
  test('values are encrypted on disk, bound to their namespace, and open only with the right key', async () => {
    const file = tempFile();
    const key = generateStorageKey();
    const records = new SqliteRecordStore(file);
    const sealed = new SealedStore(records, key);
    await sealed.putJson('groups', 'g1', { name: 'Weekend plans', secret: 'meet at the old mill' });
    expect(await sealed.getJson('groups', 'g1')).toEqual({
      name: 'Weekend plans',
      secret: 'meet at the old mill',
    });
    // Moving a sealed record to another namespace does not make it readable there.
    await records.put('identities', 'g1', (await records.get('groups', 'g1'))!);
    await expect(sealed.get('identities', 'g1')).rejects.toMatchObject({ code: 'wrong_key' });
    // Another key cannot open it.
    await expect(new SealedStore(records, generateStorageKey()).get('groups', 'g1')).rejects.toMatchObject({
      code: 'wrong_key',
    } satisfies Partial<ParleyError>);
    await records.close();
    const disk = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`, { flag: 'a+' })]);
    expect(disk.includes(Buffer.from('old mill'))).toBe(false);
    expect(disk.includes(Buffer.from('Weekend plans'))).toBe(false);
  });

  test('pinned identities survive a restart and still catch a swapped key', async () => {
    const file = tempFile();
    const key = generateStorageKey();
    const alice = await createAccount('alice', cs);
    const bob = await createAccount('bob', cs);
    {
      const store = new SqliteRecordStore(file);
      const identities = new StoredIdentities(new SealedStore(store, key));
      const device = await createMlsDevice(alice, { provider: nativeCryptoProvider, identities });
      const state = await createGroup(device);
      const bobDevice = await createMlsDevice(bob, { provider: nativeCryptoProvider });
      await addAccount(device, state, 'bob', [(await generateKeyPackage(bobDevice)).encoded]);
      expect((await identities.all()).map((p) => p.accountId).sort()).toEqual(['alice', 'bob']);
      await store.close();
    }
    // After a restart, an impostor "bob" (another identity key) is refused.
    const store = new SqliteRecordStore(file);
    const identities = new StoredIdentities(new SealedStore(store, key));
    const device = await createMlsDevice(alice, { provider: nativeCryptoProvider, identities });
    const impostor = await createMlsDevice(await createAccount('bob', cs), {
      provider: nativeCryptoProvider,
    });
    const state = await createGroup(device);
    await expect(
      addAccount(device, state, 'bob', [(await generateKeyPackage(impostor)).encoded]),
    ).rejects.toMatchObject({
      code: 'identity_key_mismatch',
    });
    await store.close();
  });
});
