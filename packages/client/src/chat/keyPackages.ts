/** This device's key packages: kept (private parts sealed) and topped up on the server. */
import {
  deserializeKeyPackage,
  generateKeyPackages,
  type joinFromWelcome,
  serializeKeyPackage,
  toHex,
} from '@parley/core';
import { type Batch, inBatch } from '../storage/batch.js';
import type { SealedStore } from '../store.js';
import type { Chat } from './context.js';

/** Keep at least this many one-time key packages on the server. */
export const KEY_PACKAGE_TARGET = 20;
const KEY_PACKAGES = 'keypackages';

/** Upload fresh key packages when the server holds fewer than KEY_PACKAGE_TARGET or no last-resort one. */
export async function topUpKeyPackages(chat: Chat): Promise<void> {
  const count = await chat.connection.request({ type: 'kp_count' });
  if (count.type !== 'kp_remaining' || (count.oneTime >= KEY_PACKAGE_TARGET && count.lastResort)) return;
  const fresh = await generateKeyPackages(chat.device, KEY_PACKAGE_TARGET - count.oneTime, {
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
