/**
 * This device's key packages: kept (private parts sealed) and topped up on the server, for every
 * suite it publishes (chat/suites.ts), so that it can be added to a conversation of any of them.
 */
import {
  DEFAULT_CIPHERSUITE,
  deserializeKeyPackage,
  generateKeyPackages,
  type joinFromWelcome,
  serializeKeyPackage,
  toHex,
} from '@parley/core';
import { type Batch, inBatch } from '../storage/batch.js';
import type { SealedStore } from '../store.js';
import type { Chat } from './context.js';
import { deviceFor, PUBLISHED_SUITES } from './suites.js';

/** Keep at least this many one-time key packages of the default suite on the server. */
export const KEY_PACKAGE_TARGET = PUBLISHED_SUITES.find((s) => s.suite === DEFAULT_CIPHERSUITE)!.target;
const KEY_PACKAGES = 'keypackages';

/**
 * For each published suite (or only `suite`), upload fresh key packages when the server holds
 * fewer than its target or no last-resort one.
 */
export async function topUpKeyPackages(chat: Chat, suite?: string): Promise<void> {
  for (const published of PUBLISHED_SUITES)
    if (suite === undefined || published.suite === suite) await topUpSuite(chat, published);
}

async function topUpSuite(chat: Chat, { suite, target }: { suite: string; target: number }): Promise<void> {
  const count = await chat.connection.request({ type: 'kp_count', cipherSuite: suite });
  if (count.type !== 'kp_remaining' || (count.oneTime >= target && count.lastResort)) return;
  const fresh = await generateKeyPackages(deviceFor(chat, suite), Math.max(0, target - count.oneTime), {
    lastResort: !count.lastResort,
  });
  await inBatch(chat.store, async (w) => {
    for (const kp of fresh) await w.put(KEY_PACKAGES, toHex(kp.ref), serializeKeyPackage(kp));
  });
  await chat.connection.request({
    type: 'kp_upload',
    keyPackages: fresh.filter((k) => !k.lastResort).map((k) => k.encoded),
    lastResort: fresh.find((k) => k.lastResort)?.encoded ?? null,
  });
}

/** The key-package finder a Welcome is joined with. */
export function keyPackageFinder(store: SealedStore): Parameters<typeof joinFromWelcome>[2] {
  return {
    find: async (ref: Uint8Array) => {
      const stored = await store.get(KEY_PACKAGES, toHex(ref));
      return stored === undefined ? undefined : deserializeKeyPackage(stored);
    },
  };
}

/** A Welcome used this key package: a one-time one is deleted (a last-resort one stays). */
export async function consumeKeyPackage(w: Batch, ref: Uint8Array): Promise<void> {
  const used = await w.get(KEY_PACKAGES, toHex(ref));
  if (used !== undefined && !deserializeKeyPackage(used).lastResort) await w.delete(KEY_PACKAGES, toHex(ref));
}
