/**
 * What every chat module works on: one device's MLS context, connection, sealed store, loaded
 * conversations and events, plus the few steps modules lower down call back into (bound by the
 * facade, so that no module imports one above it).
 */
import type { DeviceIdentity, MessageId, MlsDevice } from '@parley/core';
import type { Blocks } from '../storage/blocks.js';
import type { Conversations } from '../storage/conversations.js';
import type { Outbox } from '../storage/outbox.js';
import type { SealedStore, StoredIdentities } from '../store.js';
import type { LogView } from '../transparency/view.js';
import type { Connection } from '../transport.js';
import type { Acks } from './acks.js';
import type { Emitter } from './events.js';
import type { Presence } from './presence.js';
import type { Typing } from './typing.js';

export interface Chat {
  readonly identity: DeviceIdentity;
  readonly device: MlsDevice;
  /** The device in each ciphersuite it runs groups in (chat/suites.ts deviceFor), by suite name. */
  readonly suites: ReadonlyMap<string, MlsDevice>;
  readonly connection: Connection;
  readonly store: SealedStore;
  readonly identities: StoredIdentities;
  readonly conversations: Conversations;
  readonly outbox: Outbox;
  /** The accounts this person blocks (chat/blocking.ts). */
  readonly blocks: Blocks;
  readonly events: Emitter;
  readonly acks: Acks;
  readonly presence: Presence;
  readonly typing: Typing;
  /** The server's key transparency log as this device saw it (transparency/view.ts). */
  readonly transparency: LogView;
  /**
   * Work left for later: delivered receipts and leave commits collected while processing messages
   * (done at the batch's end, see afterBatch), and catch-ups refused as rate limited or failed,
   * or a whole sync that failed, tried again with backoff (chat/sync.ts retryLater, syncFailed).
   */
  readonly later: {
    receipts: Map<string, Set<MessageId>>;
    commits: Set<string>;
    catchUps: Set<string>;
    resync: boolean;
    /** Failed catch-up steps in a row: the retry delay doubles with each. */
    failures: number;
    retryTimer: ReturnType<typeof setTimeout> | undefined;
  };
  /**
   * Conversations this device could not bring back into their group (no GroupInfo to rejoin
   * from, see repair.ts): not tried again until the next sync.
   */
  readonly broken: Set<string>;
  /**
   * Conversation resets waiting for their moment (chat/reset.ts): the random delay's range, and the
   * timer of each broken group this device will reset unless a continuation arrives first.
   */
  readonly resets: {
    delayMs: { min: number; max: number };
    timers: Map<string, ReturnType<typeof setTimeout>>;
  };
  /** Disappearing messages (chat/disappearing.ts): the next sweep, and whether tests may use short timers. */
  readonly expiry: { timer: ReturnType<typeof setTimeout> | undefined; next: number; shortTimers: boolean };
  /** Run work on group state one operation at a time. */
  serial<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Fetch and process a conversation's log after the cursor (chat/sync.ts); given the epoch the
   * server said the group is at, rejoin if processing the log could not bring us there.
   */
  catchUp(groupIdHex: string, serverEpoch?: number): Promise<void>;
  /** Catch up `groupIdHex` and flush the outbox shortly, after a `rate_limited` (chat/sync.ts). */
  retryLater(groupIdHex?: string): void;
  closed: boolean;
}

/** The other people in a conversation. */
export function others(chat: Chat, groupIdHex: string): string[] {
  return chat.conversations.members(groupIdHex).filter((m) => m !== chat.identity.accountId);
}

/** Runs work one operation at a time, in call order; a failure does not stop what follows. */
export function serialQueue(): { run<T>(work: () => Promise<T>): Promise<T>; idle(): Promise<void> } {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    run<T>(work: () => Promise<T>): Promise<T> {
      const next = queue.then(work, work);
      queue = next.catch(() => {});
      return next;
    },
    idle: async () => {
      await queue.catch(() => {});
    },
  };
}
