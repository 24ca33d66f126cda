/**
 * The conversations this device holds, loaded in memory and persisted: each one's MLS group state,
 * its meta (name, unread, last message, leaving/ended) and a commit whose answer is outstanding.
 * Writes go through a Batch; memory follows once the batch is stored.
 */
import {
  deserializeGroupState,
  fromHex,
  fromUtf8,
  type GroupState,
  groupMembers,
  type MlsDevice,
  serializeGroupState,
  toHex,
} from '@parley/core';
import type { ConversationMeta } from '../chat/types.js';
import { NEW_META } from '../chat/types.js';
import type { SealedStore } from '../store.js';
import type { Batch } from './batch.js';

const GROUPS = 'groups';
const METAS = 'conversations';
const PENDING = 'pending-commits';

/**
 * A commit handed to the server whose answer has not arrived (the connection dropped): if it is in
 * the log, it is ours and its result is `newState` (MLS cannot process one's own commit).
 */
export interface PendingCommit {
  commit: Uint8Array;
  newState: GroupState;
}

export class Conversations {
  private readonly states = new Map<string, GroupState>();
  private readonly metas = new Map<string, ConversationMeta>();
  private readonly pendings = new Map<string, PendingCommit>();

  static async load(store: SealedStore, device: MlsDevice): Promise<Conversations> {
    const c = new Conversations();
    for (const { key, value } of await store.list(GROUPS))
      c.states.set(key, deserializeGroupState(device, value));
    for (const { key, value } of await store.list(METAS))
      c.metas.set(key, { ...NEW_META, ...(JSON.parse(new TextDecoder().decode(value)) as ConversationMeta) });
    for (const { key, value } of await store.list(PENDING)) {
      const p = JSON.parse(new TextDecoder().decode(value)) as { commit: string; state: string };
      c.pendings.set(key, {
        commit: fromHex(p.commit),
        newState: deserializeGroupState(device, fromHex(p.state)),
      });
    }
    return c;
  }

  /** Every conversation: with a group state, or only a record (ended). */
  ids(): string[] {
    return [...new Set([...this.states.keys(), ...this.metas.keys()])];
  }

  /** Conversations with a group state. */
  withState(): string[] {
    return [...this.states.keys()];
  }

  state(groupIdHex: string): GroupState | undefined {
    return this.states.get(groupIdHex);
  }

  known(groupIdHex: string): boolean {
    return this.states.has(groupIdHex) || this.metas.has(groupIdHex);
  }

  meta(groupIdHex: string): ConversationMeta {
    return this.metas.get(groupIdHex) ?? { ...NEW_META };
  }

  hasMeta(groupIdHex: string): boolean {
    return this.metas.has(groupIdHex);
  }

  /** This device is in the conversation, and neither left nor is leaving it. */
  active(groupIdHex: string): boolean {
    const meta = this.meta(groupIdHex);
    return this.states.has(groupIdHex) && !meta.ended && !meta.leaving;
  }

  /** The accounts in a conversation (each once, whatever its number of devices). */
  members(groupIdHex: string): string[] {
    const state = this.states.get(groupIdHex);
    return state === undefined ? [] : [...new Set(groupMembers(state).map((m) => m.accountId))].sort();
  }

  pending(groupIdHex: string): PendingCommit | undefined {
    return this.pendings.get(groupIdHex);
  }

  async saveState(w: Batch, groupIdHex: string, state: GroupState): Promise<void> {
    await w.put(GROUPS, groupIdHex, serializeGroupState(state));
    w.apply(() => this.states.set(groupIdHex, state));
  }

  async dropState(w: Batch, groupIdHex: string): Promise<void> {
    await w.delete(GROUPS, groupIdHex);
    w.apply(() => this.states.delete(groupIdHex));
  }

  async saveMeta(w: Batch, groupIdHex: string, meta: ConversationMeta): Promise<void> {
    await w.putJson(METAS, groupIdHex, meta);
    w.apply(() => this.metas.set(groupIdHex, meta));
  }

  /** Change some fields of the meta as stored so far (this batch's writes included). */
  async updateMeta(w: Batch, groupIdHex: string, change: Partial<ConversationMeta>): Promise<void> {
    const written = w.written(METAS, groupIdHex);
    const current = written ? (JSON.parse(fromUtf8(written)) as ConversationMeta) : this.meta(groupIdHex);
    await this.saveMeta(w, groupIdHex, { ...current, ...change });
  }

  async setPending(w: Batch, groupIdHex: string, pending: PendingCommit | null): Promise<void> {
    if (pending === null) {
      if (!this.pendings.has(groupIdHex)) return;
      await w.delete(PENDING, groupIdHex);
      w.apply(() => this.pendings.delete(groupIdHex));
      return;
    }
    await w.putJson(PENDING, groupIdHex, {
      commit: toHex(pending.commit),
      state: toHex(serializeGroupState(pending.newState)),
    });
    w.apply(() => this.pendings.set(groupIdHex, pending));
  }
}
