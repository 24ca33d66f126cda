/**
 * @parley/client/browser in real Chromium: the IndexedDB RecordStore keeps the same contract as the
 * memory and SQLite ones (packages/client/test/store.test.ts), and BrowserDevices keeps a device
 * under a key the page cannot export. The entry is bundled with Vite for the page, as the app is.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launch, type Served, serve } from './browser.js';
import { bundleForPage } from './pageBundle.js';

let browser: Browser;
let served: Served;
let page: Page;

beforeAll(async () => {
  // The browser entry, bundled as a script that sets `window.ParleyBrowser`.
  const code = await bundleForPage(new URL('./browserEntryPage.ts', import.meta.url), 'ParleyBrowser');
  browser = await launch();
  served = await serve();
  // The page is the app's origin (IndexedDB needs one); CSP is bypassed for this harness script only.
  const context = await browser.newContext({ bypassCSP: true });
  page = await context.newPage();
  await page.goto(served.url);
  await page.addScriptTag({ content: code });
});

afterAll(async () => {
  await Promise.all([browser?.close(), served?.stop()]);
}, 180_000);

test('IndexedDbRecordStore: get, put, overwrite, delete, each namespace apart', async () => {
  const r = await page.evaluate(async () => {
    const { IndexedDbRecordStore } = (
      window as unknown as { ParleyBrowser: typeof import('./browserEntryPage.js') }
    ).ParleyBrowser;
    const s = await IndexedDbRecordStore.open('contract-1');
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const missing = await s.get('ns', 'a');
    await s.put('ns', 'a', enc.encode('one'));
    await s.put('ns', 'a', enc.encode('two'));
    const overwritten = dec.decode(await s.get('ns', 'a'));
    const other = await s.get('other', 'a');
    await s.delete('ns', 'a');
    const deleted = await s.get('ns', 'a');
    await s.close();
    return {
      missing: missing === undefined,
      overwritten,
      other: other === undefined,
      deleted: deleted === undefined,
    };
  });
  expect(r).toEqual({ missing: true, overwritten: 'two', other: true, deleted: true });
});

test('IndexedDbRecordStore: list is ordered by key, pages with after and limit, and stays within its namespace', async () => {
  const r = await page.evaluate(async () => {
    const { IndexedDbRecordStore } = (
      window as unknown as { ParleyBrowser: typeof import('./browserEntryPage.js') }
    ).ParleyBrowser;
    const s = await IndexedDbRecordStore.open('contract-2');
    const enc = new TextEncoder();
    for (const k of ['m003', 'm001', 'm002', 'm010']) await s.put('messages:g1', k, enc.encode(k));
    await s.put('messages:g2', 'm000', enc.encode('x'));
    await s.put('messages:g', 'z', enc.encode('y'));
    const all = (await s.list('messages:g1')).map((x) => x.key);
    const page2 = (await s.list('messages:g1', { after: 'm002', limit: 1 })).map((x) => x.key);
    const values = (await s.list('messages:g1')).map((x) => new TextDecoder().decode(x.value));
    const none = await s.list('nothing');
    await s.close();
    return { all, page2, values, none };
  });
  expect(r).toEqual({
    all: ['m001', 'm002', 'm003', 'm010'],
    page2: ['m003'],
    values: ['m001', 'm002', 'm003', 'm010'],
    none: [],
  });
});

test('IndexedDbRecordStore: list reads backwards from an exclusive upper key, at most limit, within its namespace', async () => {
  const r = await page.evaluate(async () => {
    const { IndexedDbRecordStore } = (
      window as unknown as { ParleyBrowser: typeof import('./browserEntryPage.js') }
    ).ParleyBrowser;
    const s = await IndexedDbRecordStore.open('contract-4');
    const enc = new TextEncoder();
    for (const k of ['m003', 'm001', 'm002', 'm010', 'm004']) await s.put('messages:g1', k, enc.encode(k));
    await s.put('messages:g2', 'm000', enc.encode('x'));
    await s.put('messages:g', 'z', enc.encode('y'));
    await s.put('messages:g1z', 'a', enc.encode('y'));
    const keys = async (options: Parameters<typeof s.list>[1]) =>
      (await s.list('messages:g1', options)).map((x) => x.key);
    const result = {
      all: await keys({ reverse: true }),
      latest: await keys({ reverse: true, limit: 2 }),
      before: await keys({ reverse: true, before: 'm004', limit: 2 }),
      short: await keys({ reverse: true, before: 'm002', limit: 2 }),
      empty: await keys({ reverse: true, before: 'm001', limit: 2 }),
      between: await keys({ reverse: true, before: 'm0035' }),
      bounded: await keys({ reverse: true, after: 'm001', before: 'm010' }),
      forward: await keys({ before: 'm004', limit: 2 }),
      crossed: await keys({ reverse: true, after: 'm004', before: 'm003' }),
      values: (await s.list('messages:g1', { reverse: true, limit: 1 })).map((x) =>
        new TextDecoder().decode(x.value),
      ),
      none: await s.list('nothing', { reverse: true, limit: 3 }),
    };
    await s.close();
    return result;
  });
  expect(r).toEqual({
    all: ['m010', 'm004', 'm003', 'm002', 'm001'],
    latest: ['m010', 'm004'],
    before: ['m003', 'm002'],
    short: ['m001'],
    empty: [],
    between: ['m003', 'm002', 'm001'],
    bounded: ['m004', 'm003', 'm002'],
    forward: ['m001', 'm002'],
    crossed: [],
    values: ['m010'],
    none: [],
  });
});

test('IndexedDbRecordStore: a batch puts and deletes together, and a batch that fails leaves nothing', async () => {
  const r = await page.evaluate(async () => {
    const { IndexedDbRecordStore } = (
      window as unknown as { ParleyBrowser: typeof import('./browserEntryPage.js') }
    ).ParleyBrowser;
    const s = await IndexedDbRecordStore.open('contract-3');
    const enc = new TextEncoder();
    const text = async (ns: string, key: string) => {
      const v = await s.get(ns, key);
      return v === undefined ? undefined : new TextDecoder().decode(v);
    };
    await s.put('cursors', 'g1', enc.encode('1'));
    await s.put('own:g1', '2', enc.encode('x'));
    await s.batch([
      { ns: 'cursors', key: 'g1', value: enc.encode('2') },
      { ns: 'own:g1', key: '2', value: null },
      { ns: 'messages:g1', key: '2', value: enc.encode('hello') },
    ]);
    const applied = [await text('cursors', 'g1'), await text('own:g1', '2'), await text('messages:g1', '2')];
    const broken = {
      slice(): never {
        throw new Error('unreadable');
      },
    } as unknown as Uint8Array;
    const failed = await s
      .batch([
        { ns: 'cursors', key: 'g1', value: enc.encode('3') },
        { ns: 'messages:g1', key: '2', value: null },
        { ns: 'groups', key: 'g1', value: broken },
      ])
      .then(
        () => 'applied',
        (e: Error) => e.message,
      );
    const after = [await text('cursors', 'g1'), await text('messages:g1', '2'), await text('groups', 'g1')];
    await s.close();
    return { applied, failed, after };
  });
  expect(r).toEqual({
    applied: ['2', undefined, 'hello'],
    failed: 'unreadable',
    after: ['2', 'hello', undefined],
  });
});

test('BrowserDevices keeps a device sealed under a non-extractable key, opens it again, and removes it with its records', async () => {
  const r = await page.evaluate(async () => {
    const { BrowserDevices, makeIdentity } = (
      window as unknown as { ParleyBrowser: typeof import('./browserEntryPage.js') }
    ).ParleyBrowser;
    const devices = await BrowserDevices.open('entry-test');
    const identity = await makeIdentity('quinn');
    const saved = await devices.save(identity);
    const records = await devices.openRecords('quinn');
    await records.put('ns', 'k', new Uint8Array([1, 2, 3]));
    await records.close();
    await devices.setSignedIn('quinn', true);
    const listed = await devices.list();
    const loaded = await devices.load('quinn');
    const same =
      loaded !== undefined &&
      loaded.identity.deviceId === identity.deviceId &&
      loaded.identity.deviceKey.signKey.every((b, i) => b === identity.deviceKey.signKey[i]) &&
      loaded.storageKey.key.every((b, i) => b === saved.storageKey.key[i]);
    // What IndexedDB holds: a CryptoKey that cannot be exported, and nothing of the keys in clear.
    const raw = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const open = indexedDB.open('entry-test-devices');
      open.onsuccess = () => {
        const get = open.result.transaction('devices').objectStore('devices').get('quinn');
        get.onsuccess = () => {
          open.result.close();
          resolve(get.result as Record<string, unknown>);
        };
        get.onerror = () => reject(get.error);
      };
      open.onerror = () => reject(open.error);
    });
    const wrappingKey = raw.wrappingKey as CryptoKey;
    const exported = await crypto.subtle.exportKey('raw', wrappingKey).then(
      () => 'exported',
      (e: Error) => e.name,
    );
    const hay = [raw.wrappedStorageKey, raw.sealedIdentity].map((b) => Array.from(b as Uint8Array).join(','));
    const needle = (bytes: Uint8Array) => Array.from(bytes).join(',');
    const leaked = hay.some(
      (h) => h.includes(needle(saved.storageKey.key)) || h.includes(needle(identity.deviceKey.signKey)),
    );
    await devices.remove('quinn');
    const afterRemove = await devices.load('quinn');
    const databases = (await indexedDB.databases()).map((d) => d.name);
    devices.close();
    return {
      listed,
      same,
      extractable: wrappingKey.extractable,
      exported,
      leaked,
      removed: afterRemove === undefined,
      recordsGone: !databases.includes(devices.recordsName('quinn')),
    };
  });
  expect(r).toEqual({
    listed: [{ accountId: 'quinn', deviceId: expect.any(String), signedIn: true }],
    same: true,
    extractable: false,
    exported: 'InvalidAccessError',
    leaked: false,
    removed: true,
    recordsGone: true,
  });
});
