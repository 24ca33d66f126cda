/**
 * The stored messages that disappear: one record per message, keyed by conversation and log
 * position (already visible in the history's keys), its expiry sealed in the value, so the store
 * does not show when anything expires.
 */
import type { SealedStore } from '../store.js';
import type { Records } from './batch.js';
import { seqKey } from './log.js';

const EXPIRING = 'expiring';

export interface Expiring {
  groupId: string;
  seq: number;
  id: string;
  expiresAt: number;
}

export async function markExpiring(r: Records, e: Expiring): Promise<void> {
  await r.putJson(EXPIRING, `${e.groupId}:${seqKey(e.seq)}`, e);
}

export async function unmarkExpiring(r: Records, e: Expiring): Promise<void> {
  await r.delete(EXPIRING, `${e.groupId}:${seqKey(e.seq)}`);
}

/** Every message that disappears, soonest first. */
export async function expiringMessages(store: SealedStore): Promise<Expiring[]> {
  return (await store.list(EXPIRING))
    .map((row) => JSON.parse(new TextDecoder().decode(row.value)) as Expiring)
    .sort((a, b) => a.expiresAt - b.expiresAt);
}
