/** A unit of work over the sealed store: writes collected, read back, and landed in one atomic batch. */
import { fromUtf8, utf8 } from '@parley/core';
import type { RecordWrite, SealedStore } from '../store.js';

/** What the repositories read and write through: the store itself (at once) or a Batch (together). */
export interface Records {
  get(ns: string, key: string): Promise<Uint8Array | undefined>;
  getJson<T>(ns: string, key: string): Promise<T | undefined>;
  put(ns: string, key: string, value: Uint8Array): Promise<void>;
  putJson(ns: string, key: string, value: unknown): Promise<void>;
  delete(ns: string, key: string): Promise<void>;
}

/**
 * Writes that must land together (e.g. a message's group state, history, cursor and markers). Reads
 * see the writes collected so far. Nothing reaches the store before commit(); then, in order, the
 * in-memory updates registered with apply() run, then the effects registered with after() (events,
 * acks): memory and the outside world only ever show what is durable.
 */
export class Batch implements Records {
  private readonly writes = new Map<string, RecordWrite>();
  private readonly applies: Array<() => void> = [];
  private readonly effects: Array<() => void> = [];

  constructor(readonly store: SealedStore) {}

  async get(ns: string, key: string): Promise<Uint8Array | undefined> {
    const w = this.writes.get(`${ns}\0${key}`);
    if (w !== undefined) return w.value ?? undefined;
    return this.store.get(ns, key);
  }

  /** A record as this batch wrote it: its value, null if deleted, undefined if not written here. */
  written(ns: string, key: string): Uint8Array | null | undefined {
    return this.writes.get(`${ns}\0${key}`)?.value;
  }

  async getJson<T>(ns: string, key: string): Promise<T | undefined> {
    const v = await this.get(ns, key);
    return v === undefined ? undefined : (JSON.parse(fromUtf8(v)) as T);
  }

  async put(ns: string, key: string, value: Uint8Array): Promise<void> {
    this.writes.set(`${ns}\0${key}`, { ns, key, value });
  }

  async putJson(ns: string, key: string, value: unknown): Promise<void> {
    await this.put(ns, key, utf8(JSON.stringify(value)));
  }

  async delete(ns: string, key: string): Promise<void> {
    this.writes.set(`${ns}\0${key}`, { ns, key, value: null });
  }

  /** An in-memory update that follows the writes (runs before every after() effect). */
  apply(update: () => void): void {
    this.applies.push(update);
  }

  /** Something to do once everything is stored (an event, an ack). */
  after(effect: () => void): void {
    this.effects.push(effect);
  }

  async commit(): Promise<void> {
    if (this.writes.size > 0) await this.store.batch([...this.writes.values()]);
    this.writes.clear();
    for (const update of this.applies.splice(0)) update();
    for (const effect of this.effects.splice(0)) effect();
  }
}

/** Run `stage` over a fresh batch and commit it. */
export async function inBatch<T>(store: SealedStore, stage: (w: Batch) => Promise<T>): Promise<T> {
  const w = new Batch(store);
  const result = await stage(w);
  await w.commit();
  return result;
}
