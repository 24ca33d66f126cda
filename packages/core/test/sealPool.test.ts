/**
 * Many HPKE seals asked for together are shared with a worker thread (src/node/sealPool.ts): each
 * result goes to the seal that asked for it and opens under its own recipient's key, a commit made
 * that way is processed by the members, and with no worker to be had every seal is made here.
 *
 * The worker imports the HPKE module by URL. These tests load the sources, whose folder holds no
 * JavaScript, so they point the pool at the built module (`npx tsc -b` runs before the tests).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type CryptoProvider, getCiphersuiteFromName, type HpkeAlgorithm } from 'ts-mls';
import { describe, expect, test } from 'vitest';
import { addKeyPackages, createGroup, selfUpdate } from '../src/index.js';
import { plainNativeHpke } from '../src/node/nativeHpke.js';
import { nativeCryptoProvider } from '../src/node/nativeProvider.js';
import {
  COLD_THRESHOLD,
  POOL_THRESHOLD,
  sealPoolCounts,
  warmSealWorker,
  withSealPool,
} from '../src/node/sealPool.js';
import { deliver, join, makeAccount, publishKeyPackage } from './helpers.js';

const BUILT = new URL('../dist/node/nativeHpke.js', import.meta.url).href;
const MISSING = new URL('../no-such-folder/nativeHpke.js', import.meta.url).href;
const alg: HpkeAlgorithm = getCiphersuiteFromName('MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519').hpke;

async function pooled(module: string) {
  const plain = (await plainNativeHpke(alg))!;
  return { plain, hpke: withSealPool(plain, alg, module) };
}

/** `n` recipients' key pairs, and `n` seals to them asked for in one turn, each of its own plaintext. */
async function sealMany(module: string, n: number) {
  const { plain, hpke } = await pooled(module);
  const recipients = await Promise.all(Array.from({ length: n }, () => plain.generateKeyPair()));
  const info = new TextEncoder().encode('MLS 1.0 test info');
  const plaintexts = recipients.map((_, i) => new TextEncoder().encode(`secret number ${i}`));
  const before = sealPoolCounts();
  const sealed = await Promise.all(
    recipients.map((r, i) => hpke.seal(r.publicKey, plaintexts[i]!, info, new Uint8Array())),
  );
  const after = sealPoolCounts();
  const opened = await Promise.all(
    sealed.map((s, i) => plain.open(recipients[i]!.privateKey, s.enc, s.ct, info, new Uint8Array())),
  );
  return {
    opened: opened.map((o) => new TextDecoder().decode(o)),
    handed: after.handed - before.handed,
    here: after.here - before.here,
    plain,
    recipients,
    sealed,
  };
}

describe('the seal pool', () => {
  test('the built HPKE module the worker imports is there', () => {
    expect(existsSync(fileURLToPath(BUILT))).toBe(true);
  });

  test('a batch under the cold threshold finds the worker not started: it is made here, and the worker started for the next', async () => {
    const r = await sealMany(BUILT, 100);
    expect(r.handed).toBe(0);
    expect(r.opened[42]).toBe('secret number 42');
    expect(await warmSealWorker(BUILT)).toBe(true);
  });

  test('many seals at once: the worker makes part of them, and each opens under its own recipient key to its own plaintext', async () => {
    expect(await warmSealWorker(BUILT)).toBe(true);
    const r = await sealMany(BUILT, 150);
    expect(r.opened).toEqual(Array.from({ length: 150 }, (_, i) => `secret number ${i}`));
    expect(r.handed).toBeGreaterThan(0);
    expect(r.here).toBeGreaterThan(0);
    expect(r.handed + r.here).toBe(150);
    // A ciphertext handed to another recipient does not open: each went where it was asked for.
    await expect(
      r.plain.open(
        r.recipients[1]!.privateKey,
        r.sealed[0]!.enc,
        r.sealed[0]!.ct,
        new Uint8Array(),
        new Uint8Array(),
      ),
    ).rejects.toThrow();
  });

  test(`fewer than ${POOL_THRESHOLD} seals at once are all made on this thread`, async () => {
    const r = await sealMany(BUILT, POOL_THRESHOLD - 1);
    expect(r.handed).toBe(0);
    expect(r.here).toBe(POOL_THRESHOLD - 1);
    expect(r.opened[5]).toBe('secret number 5');
  });

  test('with no worker to be had (its module missing), every seal is made here and opens', async () => {
    const first = await sealMany(MISSING, 100);
    expect(first.handed).toBe(0);
    expect(first.here).toBe(100); // the worker's share made here once it answered that it cannot
    expect(first.opened[99]).toBe('secret number 99');
    expect(await warmSealWorker(MISSING)).toBe(false);
    const second = await sealMany(MISSING, COLD_THRESHOLD);
    expect(second.here).toBe(COLD_THRESHOLD);
  });

  test("a seal that fails in the worker's share (to a small-order key) fails alone; the others open", async () => {
    expect(await warmSealWorker(BUILT)).toBe(true);
    const { plain, hpke } = await pooled(BUILT);
    const recipients = await Promise.all(Array.from({ length: 100 }, () => plain.generateKeyPair()));
    const keys = recipients.map((r) => r.publicKey);
    // The all-zero point: X25519 with it gives an all-zero secret, which RFC 9180 §7.1.4 refuses.
    keys[90] = await plain.importPublicKey(new Uint8Array(32));
    const info = new Uint8Array(8);
    const pt = new Uint8Array(32).fill(7);
    const before = sealPoolCounts();
    const settled = await Promise.allSettled(keys.map((k) => hpke.seal(k, pt, info, new Uint8Array())));
    expect(settled.filter((s) => s.status === 'rejected').length).toBe(1);
    expect(settled[90]!.status).toBe('rejected');
    const ok = settled[3] as PromiseFulfilledResult<{ ct: Uint8Array; enc: Uint8Array }>;
    expect(
      await plain.open(recipients[3]!.privateKey, ok.value.enc, ok.value.ct, info, new Uint8Array()),
    ).toEqual(pt);
    // The worker's failed job was made here, and the pool goes on using the worker.
    expect(sealPoolCounts().here - before.here).toBe(100);
    expect((await sealMany(BUILT, 100)).handed).toBeGreaterThan(0);
  });

  test('a commit sealed through the pool (70 members, parents blank after one big Add) is processed by a member', async () => {
    const provider: CryptoProvider = {
      async getCiphersuiteImpl(cs) {
        const impl = await nativeCryptoProvider.getCiphersuiteImpl(cs);
        return { ...impl, hpke: withSealPool((await plainNativeHpke(cs.hpke))!, cs.hpke, BUILT) };
      },
    };
    expect(await warmSealWorker(BUILT)).toBe(true);
    const [host] = await makeAccount('host', 1, provider);
    const members = [];
    for (let i = 0; i < 69; i++) members.push((await makeAccount(`member${i}`, 1, provider))[0]!);
    host!.state = await createGroup(host!.device);
    const before = sealPoolCounts();
    const add = await addKeyPackages(
      host!.device,
      host!.state,
      await Promise.all(members.map((m) => publishKeyPackage(m))),
    );
    host!.state = add.newState;
    const last = members[68]!;
    await join(last, add.welcome!);
    const update = await selfUpdate(host!.device, host!.state);
    host!.state = update.newState;
    const [processed] = await deliver(update.commit, [last]);
    expect(processed!.kind).toBe('commit');
    expect(last.state!.groupContext.epoch).toBe(host!.state.groupContext.epoch);
    // The Welcome's 69 seals and the cold commit's 69 path-secret seals went partly to the worker.
    expect(sealPoolCounts().handed - before.handed).toBeGreaterThanOrEqual(2 * Math.floor(69 * 0.45));
  });
});
