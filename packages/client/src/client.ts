/**
 * ParleyClient: one device's chat engine. It keeps the device's MLS groups, key packages, outbox,
 * cursors and history in a sealed local store, talks to the server through a Connection, and
 * turns what arrives into events.
 *
 * Guarantees it is built around:
 * - Never lose a message: a message to send goes into the persisted outbox first, and leaves it
 *   only when the server answered `sent`. After a crash or a restart the outbox is sent again with
 *   the same message ids, which the server stores once.
 * - Never reuse a message key: a message is encrypted when it is sent, and the group state with the
 *   advanced ratchet is persisted before the ciphertext leaves.
 * - In order, nothing skipped: group messages are processed strictly by log sequence number; a gap
 *   (a push arriving after a missed one) is filled from the server before going on, and the cursor
 *   is acknowledged only after a message is processed and its result stored.
 * - Nothing undecryptable is silent: a message that cannot be processed is reported with its
 *   reason (`undecryptable` event) rather than dropped. A device whose group state is lost or
 *   behind the group rejoins by external commit from the published GroupInfo (`rejoined` event).
 *
 * Receipts ("delivered" when a device stored a message, "read" when the person saw it), typing
 * indicators and a group's name travel as encrypted application messages like text does.
 */
import {
  type AppBody,
  type AppMessage,
  addAccount,
  appMessage,
  bytesEqual,
  commitPendingProposals,
  createGroup,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  decodeAppMessage,
  deserializeGroupState,
  deserializeKeyPackage,
  encodeAppMessage,
  encryptApplication,
  epochAuthenticator,
  exportGroupInfo,
  fromHex,
  type GroupState,
  generateKeyPackages,
  groupEpoch,
  groupMembers,
  IdentityKeyMismatchError,
  joinByExternalCommit,
  joinFromWelcome,
  type MessageId,
  type MlsDevice,
  type MlsDeviceOptions,
  messageEpoch,
  ownLeafIndex,
  ParleyError,
  type PinnedIdentity,
  pendingProposalCount,
  processIncoming,
  proposeLeave,
  randomBytes,
  removeMembers,
  type SafetyNumber,
  type ServerFrame,
  type StorageKey,
  safetyNumber,
  selfUpdate,
  serializeGroupState,
  serializeKeyPackage,
  toHex,
} from '@parley/core';
import { type RecordStore, SealedStore, StoredIdentities } from './store.js';
import { Connection, type SocketFactory, TransportError } from './transport.js';

const NS = {
  groups: 'groups',
  cursors: 'cursors',
  keyPackages: 'keypackages',
  outbox: 'outbox',
  meta: 'meta',
  conversations: 'conversations',
  pendingCommits: 'pending-commits',
  identityChanges: 'identity-changes',
  messages: (groupIdHex: string) => `messages:${groupIdHex}`,
  messageIndex: (groupIdHex: string) => `message-index:${groupIdHex}`,
  /** Own messages that can never be sent (status `failed`). */
  unsent: (groupIdHex: string) => `unsent:${groupIdHex}`,
} as const;

/** Keep at least this many one-time key packages on the server. */
export const KEY_PACKAGE_TARGET = 20;
/** Delivered receipts are sent in conversations of at most this many people (they cost n² messages). */
export const RECEIPT_MAX_MEMBERS = 32;
/** A "typing" indicator is repeated at most this often while typing, and expires after TYPING_TTL_MS. */
export const TYPING_REPEAT_MS = 3_000;
export const TYPING_TTL_MS = 6_000;
const FETCH_PAGE = 200;
/** Work the server refused as `rate_limited` (a fetch, the outbox) is tried again this long after. */
const RETRY_MS = 1_000;
/** How long an ack waits for the positions after it (see `ack`). */
const ACK_DELAY_MS = 200;
const MAX_RECEIPT_IDS = 256;

/**
 * An own message goes sending → sent → delivered → read, or ends as `failed` when it could never
 * leave (this device was removed from, or left, the conversation while it waited in the outbox, or
 * the server refused it for good).
 */
export type MessageStatus = 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'received';

export interface ChatMessage {
  groupId: string;
  /** The message's log position (0 while only in the outbox). */
  seq: number;
  id: string;
  from: { accountId: string; deviceId: string };
  sentAt: number;
  text: string;
  status: MessageStatus;
  /** Own messages: the other people in the conversation when it was sent, and who got / read it. */
  recipients?: string[];
  deliveredTo?: string[];
  readBy?: string[];
}

export interface ConversationSummary {
  id: string;
  /** A group's name; null for a one-to-one conversation (or a group nobody named yet). */
  name: string | null;
  members: string[];
  /** One-to-one: no name and exactly two people. */
  direct: boolean;
  unread: number;
  last: ChatMessage | undefined;
  /** The MLS epoch of this device's group state. */
  epoch: bigint;
  /** This device asked to leave and waits for a member to commit it. */
  leaving: boolean;
  /** This device is no longer a member (removed, or left). History stays readable. */
  ended: boolean;
}

export interface ClientEvents {
  message: (m: ChatMessage) => void;
  /** An own message moved on: sent (accepted by the server), delivered, read. */
  message_status: (info: { groupId: string; id: string; status: MessageStatus; seq: number }) => void;
  typing: (info: { groupId: string; accountId: string; typing: boolean }) => void;
  presence: (info: { accountId: string; online: boolean; lastSeen: number }) => void;
  /** A conversation appeared or changed: members, name, unread count, leaving. */
  conversation: (groupId: string) => void;
  joined: (groupId: string) => void;
  /** This device was removed from a conversation (or its leave was committed). */
  removed: (groupId: string) => void;
  /** The group state was lost or behind and this device rejoined; `missed` messages can't be read. */
  rejoined: (info: { groupId: string; missed: number }) => void;
  undecryptable: (info: { groupId: string; seq: number; code: string }) => void;
  /**
   * A contact's identity key differs from the pinned one. Messages from and to conversations with
   * them are held until acknowledgeIdentityChange() (after the person decided to trust the new key,
   * ideally by comparing safety numbers again).
   */
  identity_changed: (info: { accountId: string; presentedKey: Uint8Array }) => void;
}

export interface ParleyClientOptions {
  serverUrl: string;
  identity: DeviceIdentity;
  records: RecordStore;
  storageKey: StorageKey;
  mls?: Omit<MlsDeviceOptions, 'identities'>;
  socketFactory?: SocketFactory;
  backoff?: { initialMs: number; maxMs: number };
  /** How long a request waits for its answer before it fails with a `timeout` (default 30 s). */
  requestTimeoutMs?: number;
}

interface OutboxItem {
  groupId: string;
  messageId: string;
  /** The encoded (padded) application message, hex. */
  body: string;
  /** Handed to the server at least once: it may be in the group's log already. */
  attempted?: boolean;
}

/** What this device knows about a conversation beyond its MLS state. */
interface ConversationMeta {
  name: string | null;
  /** Ids of received messages the person has not seen yet. */
  unread: string[];
  last: ChatMessage | undefined;
  leaving: boolean;
  ended: boolean;
}

const NEW_META: ConversationMeta = { name: null, unread: [], last: undefined, leaving: false, ended: false };

type CommitBuild = (
  state: GroupState,
) => Promise<{ newState: GroupState; commit: Uint8Array; welcome: Uint8Array | null } | null>;

export class ParleyClient {
  readonly connection: Connection;
  private readonly groups = new Map<string, GroupState>();
  private readonly metas = new Map<string, ConversationMeta>();
  private readonly presenceOf = new Map<string, { online: boolean; lastSeen: number }>();
  private readonly listeners: { [K in keyof ClientEvents]: Set<ClientEvents[K]> } = {
    message: new Set(),
    message_status: new Set(),
    typing: new Set(),
    presence: new Set(),
    conversation: new Set(),
    joined: new Set(),
    removed: new Set(),
    rejoined: new Set(),
    undecryptable: new Set(),
    identity_changed: new Set(),
  };
  /** Serialises all work on group state: one operation at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private outboxCounter = 0;
  private closed = false;
  /** Work collected while processing a batch of messages, done once at its end. */
  private readonly toAcknowledge = new Map<string, Set<MessageId>>();
  private readonly toCommit = new Set<string>();
  /**
   * Commits handed to the server whose answer has not arrived (the connection dropped): if one is
   * in the log, it is ours and its result is this state (MLS cannot process one's own commit).
   */
  private readonly pendingCommits = new Map<string, { commit: Uint8Array; newState: GroupState }>();
  /** Per group: the highest log position processed, to acknowledge, and the ack waiting or on its way. */
  private readonly acks = new Map<
    string,
    { seq: number; timer: ReturnType<typeof setTimeout> | undefined; sending: boolean }
  >();
  /** Membership changed: who our contacts are may have changed too, so ask for presence again. */
  private presenceStale = true;
  private readonly typingSentAt = new Map<string, number>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Work refused as `rate_limited`, tried again after RETRY_MS. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly toCatchUp = new Set<string>();

  private constructor(
    private readonly options: ParleyClientOptions,
    private readonly store: SealedStore,
    private readonly device: MlsDevice,
    private readonly identities: StoredIdentities,
  ) {
    this.connection = new Connection({
      url: options.serverUrl,
      identity: options.identity,
      signature: device.cs.signature,
      ...(options.socketFactory ? { socketFactory: options.socketFactory } : {}),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
  }

  /** Open the local store and the device's MLS context; call start() to go online. */
  static async open(options: ParleyClientOptions): Promise<ParleyClient> {
    const store = new SealedStore(options.records, options.storageKey);
    const identities = new StoredIdentities(store);
    const device = await createMlsDevice(options.identity, { ...options.mls, identities });
    const client = new ParleyClient(options, store, device, identities);
    for (const { key, value } of await store.list(NS.groups))
      client.groups.set(key, deserializeGroupState(device, value));
    for (const { key, value } of await store.list(NS.conversations))
      client.metas.set(key, {
        ...NEW_META,
        ...(JSON.parse(new TextDecoder().decode(value)) as ConversationMeta),
      });
    for (const { key, value } of await store.list(NS.pendingCommits)) {
      const p = JSON.parse(new TextDecoder().decode(value)) as { commit: string; state: string };
      client.pendingCommits.set(key, {
        commit: fromHex(p.commit),
        newState: deserializeGroupState(device, fromHex(p.state)),
      });
    }
    const outbox = await store.list(NS.outbox);
    client.outboxCounter = outbox.length > 0 ? Number(outbox.at(-1)!.key) + 1 : 0;
    client.connection.onPush((f) => {
      void client.serial(() => client.onPush(f)).catch(() => {});
    });
    client.connection.onState((s) => {
      if (s === 'online') void client.serial(() => client.onOnline()).catch(() => {});
    });
    return client;
  }

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => this.listeners[event].delete(listener);
  }

  private emit<K extends keyof ClientEvents>(event: K, ...args: Parameters<ClientEvents[K]>): void {
    for (const l of this.listeners[event]) (l as (...a: Parameters<ClientEvents[K]>) => void)(...args);
  }

  start(): void {
    this.connection.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.typingTimers.values()) clearTimeout(t);
    for (const a of this.acks.values()) clearTimeout(a.timer);
    clearTimeout(this.retryTimer);
    this.connection.close();
    await this.queue.catch(() => {});
    await this.options.records.close();
  }

  get accountId(): string {
    return this.options.identity.accountId;
  }

  get deviceId(): string {
    return this.options.identity.deviceId;
  }

  conversations(): string[] {
    return [...new Set([...this.groups.keys(), ...this.metas.keys()])];
  }

  /** The accounts in a conversation (each once, whatever its number of devices). */
  members(groupIdHex: string): string[] {
    const state = this.groups.get(groupIdHex);
    return state === undefined ? [] : [...new Set(groupMembers(state).map((m) => m.accountId))].sort();
  }

  private meta(groupIdHex: string): ConversationMeta {
    return this.metas.get(groupIdHex) ?? { ...NEW_META };
  }

  private async saveMeta(groupIdHex: string, meta: ConversationMeta): Promise<void> {
    this.metas.set(groupIdHex, meta);
    await this.store.putJson(NS.conversations, groupIdHex, meta);
  }

  /** A conversation as a list shows it. */
  conversation(groupIdHex: string): ConversationSummary | undefined {
    const state = this.groups.get(groupIdHex);
    if (state === undefined && !this.metas.has(groupIdHex)) return undefined;
    const meta = this.meta(groupIdHex);
    const members = this.members(groupIdHex);
    return {
      id: groupIdHex,
      name: meta.name,
      members,
      direct: meta.name === null && members.length === 2,
      unread: meta.unread.length,
      last: meta.last,
      epoch: state === undefined ? 0n : groupEpoch(state),
      leaving: meta.leaving,
      ended: meta.ended,
    };
  }

  /** Every conversation, the most recently active first. */
  conversationList(): ConversationSummary[] {
    return this.conversations()
      .map((id) => this.conversation(id)!)
      .filter((c) => !(c.ended && c.members.length === 0 && c.last === undefined)) // never started
      .sort((a, b) => (b.last?.sentAt ?? 0) - (a.last?.sentAt ?? 0) || a.id.localeCompare(b.id));
  }

  /** The one-to-one conversation with an account, if there is one. */
  conversationWith(accountId: string): string | undefined {
    const wanted = [...new Set([this.accountId, accountId])].sort().join('\0');
    return this.conversations().find((id) => {
      const c = this.conversation(id)!;
      return c.name === null && !c.ended && c.members.join('\0') === wanted;
    });
  }

  /** The one-to-one conversation with an account, created if there is none yet. */
  async directConversation(accountId: string): Promise<string> {
    return this.conversationWith(accountId) ?? this.createConversation([accountId]);
  }

  /** Contacts: everyone this device shares a conversation with. */
  contacts(): string[] {
    const all = new Set<string>();
    for (const id of this.groups.keys()) for (const m of this.members(id)) all.add(m);
    all.delete(this.accountId);
    return [...all].sort();
  }

  /** Contacts that are connected now (as the server last said). */
  online(): string[] {
    return [...this.presenceOf].filter(([, p]) => p.online).map(([a]) => a);
  }

  /** When a contact was last connected (ms since the epoch; 0 if never), if the server told us. */
  lastSeen(accountId: string): number | undefined {
    return this.presenceOf.get(accountId)?.lastSeen;
  }

  /** The epoch of this device's state for a conversation. */
  epoch(groupIdHex: string): bigint | undefined {
    const state = this.groups.get(groupIdHex);
    return state === undefined ? undefined : groupEpoch(state);
  }

  /**
   * The epoch authenticator of this device's state for a conversation (RFC 9420 §8.7): every member
   * in the same epoch holds the same value, so comparing it proves they share the group's secrets.
   */
  epochAuthenticator(groupIdHex: string): Uint8Array | undefined {
    const state = this.groups.get(groupIdHex);
    return state === undefined ? undefined : epochAuthenticator(state);
  }

  /** A contact's pinned identity (first seen, or verified), if this device has met them. */
  contact(accountId: string): Promise<PinnedIdentity | undefined> {
    return this.identities.get(accountId);
  }

  /** The safety number to compare with a contact (see @parley/core safetyNumber). */
  async safetyNumberWith(accountId: string): Promise<SafetyNumber | undefined> {
    const theirs = await this.identities.get(accountId);
    if (theirs === undefined) return undefined;
    const { identity } = this.options;
    return safetyNumber(
      { accountId: identity.accountId, identityKey: identity.identityKey },
      { accountId, identityKey: theirs.identityKey },
    );
  }

  /** Record that the person compared safety numbers with this contact and they matched. */
  async markVerified(accountId: string): Promise<void> {
    const theirs = await this.identities.get(accountId);
    if (theirs === undefined) throw new ParleyError('usage', 'unknown contact');
    await this.identities.put({ ...theirs, verified: true });
  }

  private async recordIdentityChange(e: IdentityKeyMismatchError): Promise<void> {
    await this.store.put(NS.identityChanges, e.accountId, e.presentedKey);
    this.emit('identity_changed', { accountId: e.accountId, presentedKey: e.presentedKey });
  }

  /** Contacts whose identity key changed and who are waiting for the person's decision. */
  async pendingIdentityChanges(): Promise<string[]> {
    return (await this.store.list(NS.identityChanges)).map((r) => r.key);
  }

  /** Whether a conversation includes someone in `changed` (pendingIdentityChanges()). */
  private heldBy(groupIdHex: string, changed: string[]): boolean {
    return this.members(groupIdHex).some((m) => changed.includes(m));
  }

  /**
   * The person accepts a contact's new identity key: it is pinned (unverified), held messages are
   * processed and held sends go out.
   */
  acknowledgeIdentityChange(accountId: string): Promise<void> {
    return this.serial(async () => {
      const presented = await this.store.get(NS.identityChanges, accountId);
      if (presented === undefined) return;
      await this.identities.put({ accountId, identityKey: presented, verified: false, pinnedAt: Date.now() });
      await this.store.delete(NS.identityChanges, accountId);
      if (this.connection.state === 'online') {
        for (const id of this.groups.keys()) await this.catchUp(id);
        await this.afterBatch();
      }
    });
  }

  /** Wait until connected, then catch up everything (Welcomes, every group) and flush the outbox. */
  async sync(timeoutMs?: number): Promise<void> {
    await this.connection.waitOnline(timeoutMs);
    await this.serial(() => this.onOnline());
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private async saveGroup(groupIdHex: string, state: GroupState): Promise<void> {
    this.groups.set(groupIdHex, state);
    await this.store.put(NS.groups, groupIdHex, serializeGroupState(state));
  }

  private async cursor(groupIdHex: string): Promise<number> {
    return (await this.store.getJson<number>(NS.cursors, groupIdHex)) ?? 0;
  }

  private async setCursor(groupIdHex: string, seq: number): Promise<void> {
    await this.store.putJson(NS.cursors, groupIdHex, seq);
  }

  /**
   * Tell the server this device has processed its log up to `seq` (what every member acknowledged
   * may be deleted, see retention). Delayed and coalesced, as TCP delays its acks: the first
   * position waits ACK_DELAY_MS for those after it, at most one ack per group is on its way, and
   * each carries the newest position; so a burst of messages costs a few acks, and processing never
   * waits for one. An ack lost with the connection is forgotten here, and going online again acks
   * the cursor of every group where the server's position is behind it (see `onOnline`).
   */
  private ack(groupIdHex: string, seq: number): void {
    let a = this.acks.get(groupIdHex);
    if (a === undefined) {
      a = { seq: 0, timer: undefined, sending: false };
      this.acks.set(groupIdHex, a);
    }
    if (seq <= a.seq) return;
    a.seq = seq;
    if (a.timer !== undefined || a.sending || this.closed) return;
    const pending = a;
    pending.timer = setTimeout(async () => {
      pending.timer = undefined;
      pending.sending = true;
      try {
        for (let sent = 0; pending.seq > sent && !this.closed; ) {
          sent = pending.seq;
          await this.connection.request({ type: 'ack', groupId: fromHex(groupIdHex), seq: sent });
        }
      } catch {
        // Lost with the connection: forget it, so the next ack of this position goes out.
        if (this.acks.get(groupIdHex) === pending) this.acks.delete(groupIdHex);
      } finally {
        pending.sending = false;
      }
    }, ACK_DELAY_MS);
  }

  private async markOwn(groupIdHex: string, seq: number): Promise<void> {
    await this.store.put(NS.meta, `own:${groupIdHex}:${seq}`, new Uint8Array([1]));
  }

  /**
   * Going online: replenish key packages, collect Welcomes, catch up every group (rejoining those
   * whose state this device lost), learn who is online, flush the outbox.
   */
  private async onOnline(): Promise<void> {
    const count = await this.connection.request({ type: 'kp_count' });
    if (count.type === 'kp_remaining' && (count.oneTime < KEY_PACKAGE_TARGET || !count.lastResort)) {
      const fresh = await generateKeyPackages(this.device, KEY_PACKAGE_TARGET - count.oneTime, {
        lastResort: !count.lastResort,
      });
      for (const kp of fresh) await this.store.put(NS.keyPackages, toHex(kp.ref), serializeKeyPackage(kp));
      await this.connection.request({
        type: 'kp_upload',
        keyPackages: fresh.filter((k) => !k.lastResort).map((k) => k.encoded),
        lastResort: fresh.find((k) => k.lastResort)?.encoded ?? null,
      });
    }
    // Messages sent just before the connection dropped may be in the log without this device
    // knowing their position: send them again first (the server answers with the position it
    // stored them at), so the catch-up below recognises them as our own instead of failing to
    // decrypt them (MLS deletes a sender's own message keys).
    await this.flushOutbox(true);
    const sync = await this.connection.request({ type: 'sync' });
    if (sync.type === 'sync_state') {
      for (const w of sync.welcomes) await this.acceptWelcome(w.groupId, w.seq, w.welcome);
      for (const g of sync.groups) {
        const id = toHex(g.groupId);
        if (this.groups.has(id)) {
          await this.catchUp(id);
          const cursor = await this.cursor(id);
          if (cursor > g.acked) this.ack(id, cursor);
        } else if (!this.meta(id).ended) await this.rejoin(id, g.head - g.acked);
      }
      // A newly linked device: join the conversations of this account's other devices.
      for (const g of sync.joinable) {
        const id = toHex(g);
        if (!this.groups.has(id)) await this.rejoin(id, 0, false);
      }
    }
    this.presenceStale = true;
    await this.afterBatch();
  }

  private updatePresence(entries: Array<{ accountId: string; online: boolean; lastSeen: number }>): void {
    for (const e of entries) {
      const before = this.presenceOf.get(e.accountId);
      this.presenceOf.set(e.accountId, { online: e.online, lastSeen: e.lastSeen });
      if (before?.online !== e.online) this.emit('presence', e);
    }
  }

  private async onPush(f: ServerFrame): Promise<void> {
    if (f.type === 'welcome') await this.acceptWelcome(f.groupId, f.seq, f.welcome);
    else if (f.type === 'deliver') {
      const id = toHex(f.groupId);
      const cursor = await this.cursor(id);
      if (f.seq <= cursor) return; // already processed (at-least-once delivery)
      if (f.seq !== cursor + 1) await this.catchUp(id);
      else await this.processOrRecover(id, f.seq, f.payload);
    } else if (f.type === 'presence') {
      this.updatePresence(f.entries);
      return;
    } else if (f.type === 'kp_remaining' && f.oneTime < KEY_PACKAGE_TARGET / 2) {
      await this.onOnline();
      return;
    }
    await this.afterBatch();
  }

  /**
   * What a batch of processed messages leaves to do: delivered receipts, committing members'
   * leave requests, and the outbox (which also carries those receipts).
   */
  private async afterBatch(): Promise<void> {
    for (const [groupIdHex, ids] of this.toAcknowledge) {
      this.toAcknowledge.delete(groupIdHex);
      await this.enqueueReceipts(groupIdHex, 'delivered', [...ids]);
    }
    for (const groupIdHex of [...this.toCommit]) {
      this.toCommit.delete(groupIdHex);
      await this.commitWithRetry(groupIdHex, async (state) =>
        pendingProposalCount(state) === 0 ? null : commitPendingProposals(this.device, state),
      ).catch(() => {}); // another member may have committed it first; nothing is lost either way
    }
    if (this.presenceStale) {
      this.presenceStale = false;
      const presence = await this.connection.request({ type: 'presence_query' });
      if (presence.type === 'presence') this.updatePresence(presence.entries);
    }
    await this.flushOutbox();
  }

  private async acceptWelcome(groupId: Uint8Array, seq: number, welcome: Uint8Array): Promise<void> {
    const id = toHex(groupId);
    // New to us, or a conversation we had left or been removed from and are added to again.
    if (!this.groups.has(id) || this.meta(id).ended) {
      let joined: Awaited<ReturnType<typeof joinFromWelcome>>;
      try {
        joined = await joinFromWelcome(this.device, welcome, {
          find: async (ref) => {
            const stored = await this.store.get(NS.keyPackages, toHex(ref));
            return stored === undefined ? undefined : deserializeKeyPackage(stored);
          },
        });
      } catch (e) {
        if (!(e instanceof ParleyError) || e instanceof IdentityKeyMismatchError) throw e;
        // A Welcome this device cannot use (damaged, or refused by MLS): say so and drop it, so it
        // does not stop every later sync; the device joins by external commit at the next sync.
        this.emit('undecryptable', { groupId: id, seq, code: e.code });
        await this.connection.request({ type: 'welcome_ack', groupId });
        return;
      }
      const { state, keyPackageRef } = joined;
      await this.saveGroup(id, state);
      await this.setCursor(id, seq);
      await this.saveMeta(id, { ...this.meta(id), ended: false, leaving: false });
      const used = await this.store.get(NS.keyPackages, toHex(keyPackageRef));
      if (used !== undefined && !deserializeKeyPackage(used).lastResort)
        await this.store.delete(NS.keyPackages, toHex(keyPackageRef));
      this.presenceStale = true;
      this.emit('joined', id);
      this.emit('conversation', id);
    }
    await this.connection.request({ type: 'welcome_ack', groupId });
    await this.catchUp(id);
  }

  /** Fetch and process everything after the cursor, page by page. */
  private async catchUp(groupIdHex: string): Promise<void> {
    if (!this.groups.has(groupIdHex)) return;
    const groupId = fromHex(groupIdHex);
    for (;;) {
      const after = await this.cursor(groupIdHex);
      const page = await this.connection.request({
        type: 'fetch',
        groupId,
        afterSeq: after,
        limit: FETCH_PAGE,
      });
      if (page.type !== 'messages') {
        // Over the server's frame rate: fetch again shortly (the pushed message that revealed the
        // gap was not processed, and nothing else may come to trigger it).
        if (page.type === 'error' && page.code === 'rate_limited') this.retryLater(groupIdHex);
        return;
      }
      for (const m of page.items) {
        const outcome = await this.processOrRecover(groupIdHex, m.seq, m.payload);
        if (outcome !== 'processed') {
          if (outcome === 'rejoined') break; // the cursor moved past our external commit
          return; // held until the identity change is acknowledged
        }
      }
      if (!page.more && (await this.cursor(groupIdHex)) >= (page.items.at(-1)?.seq ?? 0)) return;
    }
  }

  private async processOrRecover(
    groupIdHex: string,
    seq: number,
    payload: Uint8Array,
  ): Promise<'processed' | 'held' | 'rejoined'> {
    try {
      await this.process(groupIdHex, seq, payload);
      return 'processed';
    } catch (e) {
      if (e instanceof IdentityKeyMismatchError) return 'held';
      if (e instanceof StateBehind) {
        await this.rejoin(groupIdHex, e.missed);
        return 'rejoined';
      }
      throw e;
    }
  }

  private async process(groupIdHex: string, seq: number, payload: Uint8Array): Promise<void> {
    const state = this.groups.get(groupIdHex);
    if (state === undefined) return;
    // Processed already (its result was stored, then the process stopped before the cursor moved).
    const done = (await this.store.get(NS.meta, `done:${groupIdHex}:${seq}`)) !== undefined;
    const own = (await this.store.get(NS.meta, `own:${groupIdHex}:${seq}`)) !== undefined;
    try {
      if (done || own) throw new ParleyError('replayed_message', 'already processed');
      const mine = this.pendingCommits.get(groupIdHex);
      if (mine !== undefined && bytesEqual(mine.commit, payload)) {
        // Our own commit, whose answer the connection lost: its result is the state we kept.
        await this.setPendingCommit(groupIdHex, null);
        await this.saveGroup(groupIdHex, mine.newState);
        await this.store.put(NS.meta, `done:${groupIdHex}:${seq}`, new Uint8Array([1]));
        await this.publishGroupInfo(groupIdHex, Number(groupEpoch(mine.newState)));
        this.presenceStale = true;
        this.emit('conversation', groupIdHex);
        await this.setCursor(groupIdHex, seq);
        this.ack(groupIdHex, seq);
        return;
      }
      const result = await processIncoming(this.device, state, payload);
      // Another commit took the epoch: ours, if it is still pending, can no longer be accepted.
      if (result.kind === 'commit') await this.setPendingCommit(groupIdHex, null);
      await this.saveGroup(groupIdHex, result.newState);
      if (result.kind === 'application') {
        await this.onApplication(groupIdHex, seq, result.sender, decodeAppMessage(result.plaintext));
      } else if (result.kind === 'commit') {
        if (result.removedSelf) {
          await this.saveMeta(groupIdHex, { ...this.meta(groupIdHex), ended: true, leaving: false });
          this.emit('removed', groupIdHex);
        }
        if (result.added.length > 0) {
          this.presenceStale = true;
          // Someone joined by external commit (a person's new device): they cannot know the group's
          // name, so the member with the lowest leaf tells them.
          const { name } = this.meta(groupIdHex);
          const addedLeaves = new Set(result.added.map((m) => m.leafIndex));
          const firstOld = groupMembers(result.newState).find((m) => !addedLeaves.has(m.leafIndex));
          if (
            result.committer === null &&
            name !== null &&
            firstOld?.leafIndex === ownLeafIndex(result.newState)
          )
            await this.enqueue(groupIdHex, { type: 'conversation', name });
        }
        this.emit('conversation', groupIdHex);
      } else if (result.kind === 'proposal' && result.sender?.accountId !== this.accountId) {
        // A member asked to leave: commit it (whoever is first wins; the others catch up).
        this.toCommit.add(groupIdHex);
      }
      await this.store.put(NS.meta, `done:${groupIdHex}:${seq}`, new Uint8Array([1]));
    } catch (e) {
      if (e instanceof IdentityKeyMismatchError) {
        // Stop here, cursor unmoved: this message is processed again once the change is accepted.
        await this.recordIdentityChange(e);
        throw e;
      }
      const code = e instanceof ParleyError ? e.code : 'internal';
      if (code === 'wrong_epoch' && (messageEpoch(payload) ?? 0n) > groupEpoch(state)) {
        // Our state is behind the group (commits we can no longer process): rejoin.
        throw new StateBehind(1);
      }
      // Our own messages come back in the log (we cannot decrypt them: MLS deletes the sender's
      // key); they are recognised by their position and were stored when sent. One whose answer
      // was lost (a timeout) is not marked yet: sending it again gets its position from the server.
      if (!own && !done && !(await this.ownAfterRetry(groupIdHex, seq)))
        this.emit('undecryptable', { groupId: groupIdHex, seq, code });
    }
    await this.setCursor(groupIdHex, seq);
    this.ack(groupIdHex, seq);
  }

  /** Resend what the server may hold already; is the message at `seq` ours after all? */
  private async ownAfterRetry(groupIdHex: string, seq: number): Promise<boolean> {
    await this.flushOutbox(true).catch(() => {});
    return (await this.store.get(NS.meta, `own:${groupIdHex}:${seq}`)) !== undefined;
  }

  private async onApplication(
    groupIdHex: string,
    seq: number,
    sender: { accountId: string; deviceId: string },
    app: AppMessage,
  ): Promise<void> {
    const fromMe = sender.accountId === this.accountId;
    const body = app.body;
    switch (body.type) {
      case 'text': {
        const message: ChatMessage = {
          groupId: groupIdHex,
          seq,
          id: app.id,
          from: { accountId: sender.accountId, deviceId: sender.deviceId },
          sentAt: app.sentAt,
          text: body.text,
          status: fromMe ? 'sent' : 'received',
          ...(fromMe ? { recipients: this.others(groupIdHex), deliveredTo: [], readBy: [] } : {}),
        };
        await this.storeMessage(message);
        const meta = this.meta(groupIdHex);
        await this.saveMeta(groupIdHex, {
          ...meta,
          unread: fromMe ? meta.unread : [...meta.unread, app.id],
          last: message,
        });
        if (!fromMe && this.members(groupIdHex).length <= RECEIPT_MAX_MEMBERS) {
          const ids = this.toAcknowledge.get(groupIdHex) ?? new Set();
          this.toAcknowledge.set(groupIdHex, ids.add(app.id));
        }
        this.emit('message', message);
        this.emit('conversation', groupIdHex);
        return;
      }
      case 'receipt':
        if (fromMe) {
          // Read on another of our devices: not unread here either.
          if (body.receipt === 'read') {
            const meta = this.meta(groupIdHex);
            await this.saveMeta(groupIdHex, {
              ...meta,
              unread: meta.unread.filter((i) => !body.ids.includes(i)),
            });
            this.emit('conversation', groupIdHex);
          }
          return;
        }
        for (const id of body.ids) await this.applyReceipt(groupIdHex, id, sender.accountId, body.receipt);
        return;
      case 'typing': {
        if (fromMe) return;
        const key = `${groupIdHex}:${sender.accountId}`;
        clearTimeout(this.typingTimers.get(key));
        this.typingTimers.delete(key);
        if (body.active) {
          this.typingTimers.set(
            key,
            setTimeout(() => {
              this.typingTimers.delete(key);
              this.emit('typing', { groupId: groupIdHex, accountId: sender.accountId, typing: false });
            }, TYPING_TTL_MS),
          );
        }
        this.emit('typing', { groupId: groupIdHex, accountId: sender.accountId, typing: body.active });
        return;
      }
      case 'conversation':
        await this.saveMeta(groupIdHex, { ...this.meta(groupIdHex), name: body.name });
        this.emit('conversation', groupIdHex);
        return;
      default:
        // reaction, edit, delete, attachment, kinds from newer clients: not shown by this version.
        return;
    }
  }

  private others(groupIdHex: string): string[] {
    return this.members(groupIdHex).filter((m) => m !== this.accountId);
  }

  private async storeMessage(message: ChatMessage): Promise<void> {
    await this.store.putJson(NS.messages(message.groupId), seqKey(message.seq), message);
    await this.store.putJson(NS.messageIndex(message.groupId), message.id, message.seq);
  }

  private async applyReceipt(
    groupIdHex: string,
    id: MessageId,
    accountId: string,
    receipt: 'delivered' | 'read',
  ): Promise<void> {
    const seq = await this.store.getJson<number>(NS.messageIndex(groupIdHex), id);
    if (seq === undefined) return;
    const message = await this.store.getJson<ChatMessage>(NS.messages(groupIdHex), seqKey(seq));
    if (message === undefined || message.from.accountId !== this.accountId) return;
    const deliveredTo = new Set(message.deliveredTo ?? []).add(accountId);
    const readBy = new Set(message.readBy ?? []);
    if (receipt === 'read') readBy.add(accountId);
    const recipients = message.recipients ?? [];
    const status: MessageStatus =
      recipients.length > 0 && recipients.every((r) => readBy.has(r))
        ? 'read'
        : recipients.length > 0 && recipients.every((r) => deliveredTo.has(r))
          ? 'delivered'
          : 'sent';
    const updated: ChatMessage = { ...message, deliveredTo: [...deliveredTo], readBy: [...readBy], status };
    await this.store.putJson(NS.messages(groupIdHex), seqKey(seq), updated);
    const meta = this.meta(groupIdHex);
    if (meta.last?.id === id) await this.saveMeta(groupIdHex, { ...meta, last: updated });
    if (status !== message.status) this.emit('message_status', { groupId: groupIdHex, id, status, seq });
  }

  /**
   * Rejoin a conversation whose state this device lost (or which moved on without it) by external
   * commit from the GroupInfo a member published, replacing our old leaf (RFC 9420 §12.4.3.2).
   * Messages between our cursor and the rejoin cannot be read; they are counted in `rejoined`.
   */
  private async rejoin(groupIdHex: string, missed: number, resync = true): Promise<void> {
    const groupId = fromHex(groupIdHex);
    for (let attempt = 0; attempt < 5; attempt++) {
      const info = await this.connection.request({ type: 'group_info_get', groupId });
      if (info.type !== 'group_info') {
        this.emit('undecryptable', { groupId: groupIdHex, seq: 0, code: 'state_lost' });
        return;
      }
      const joined = await joinByExternalCommit(this.device, info.groupInfo, { resync });
      const answer = await this.connection.request({
        type: 'send',
        groupId,
        messageId: randomBytes(16),
        payload: joined.commit,
        welcome: null,
      });
      if (answer.type === 'stale_epoch') continue;
      if (answer.type !== 'sent') throw new ParleyError('invalid_commit', 'the server refused the rejoin');
      await this.markOwn(groupIdHex, answer.seq);
      await this.saveGroup(groupIdHex, joined.newState);
      await this.setCursor(groupIdHex, answer.seq);
      if (!this.metas.has(groupIdHex)) await this.saveMeta(groupIdHex, { ...NEW_META });
      this.ack(groupIdHex, answer.seq);
      await this.publishGroupInfo(groupIdHex, answer.epoch);
      if (resync) this.emit('rejoined', { groupId: groupIdHex, missed });
      else {
        this.presenceStale = true;
        this.emit('joined', groupIdHex);
      }
      this.emit('conversation', groupIdHex);
      return;
    }
    throw new ParleyError('wrong_epoch', 'the group kept changing; try again');
  }

  private async publishGroupInfo(groupIdHex: string, epoch: number): Promise<void> {
    const state = this.groups.get(groupIdHex);
    if (state === undefined) return;
    const groupInfo = await exportGroupInfo(this.device, state);
    await this.connection.request({ type: 'group_info_put', groupId: fromHex(groupIdHex), epoch, groupInfo });
  }

  /** Start a conversation with the given accounts (all their devices, and our other devices). */
  createConversation(accountIds: string[], name: string | null = null): Promise<string> {
    return this.serial(async () => {
      const state = await createGroup(this.device);
      const groupId = state.groupContext.groupId;
      const id = toHex(groupId);
      const created = await this.connection.request({
        type: 'group_create',
        groupId,
        cipherSuite: DEFAULT_CIPHERSUITE,
      });
      if (created.type !== 'ok') throw new ParleyError('usage', 'the server refused the new group');
      await this.saveGroup(id, state);
      await this.saveMeta(id, { ...NEW_META, name });
      // Our other devices first, then the people.
      try {
        for (const accountId of [this.accountId, ...accountIds.filter((a) => a !== this.accountId)])
          await this.addAccountNow(id, accountId, accountId === this.accountId);
      } catch (e) {
        // Nobody could be added (unknown user, a changed identity key, …): the conversation never
        // started. Its state goes; the record stays, ended, so a later sync does not rejoin it.
        this.groups.delete(id);
        await this.store.delete(NS.groups, id);
        await this.saveMeta(id, { ...NEW_META, name, ended: true });
        throw e;
      }
      if (name !== null) await this.enqueue(id, { type: 'conversation', name });
      this.emit('conversation', id);
      return id;
    }).then(async (id) => {
      await this.flushSoon();
      return id;
    });
  }

  /** Start a named group with the given people. */
  createGroup(name: string, accountIds: string[]): Promise<string> {
    const trimmed = name.trim();
    if (trimmed.length === 0) throw new ParleyError('usage', 'a group needs a name');
    return this.createConversation(accountIds, trimmed);
  }

  /** Rename a group (everyone in it sees the new name). */
  async rename(groupIdHex: string, name: string): Promise<void> {
    const trimmed = name.trim();
    if (trimmed.length === 0) throw new ParleyError('usage', 'a group needs a name');
    this.requireActive(groupIdHex);
    await this.serial(async () => {
      await this.saveMeta(groupIdHex, { ...this.meta(groupIdHex), name: trimmed });
      await this.enqueue(groupIdHex, { type: 'conversation', name: trimmed });
    });
    this.emit('conversation', groupIdHex);
    await this.flushSoon();
  }

  private requireActive(groupIdHex: string): void {
    const meta = this.meta(groupIdHex);
    if (!this.groups.has(groupIdHex) || meta.ended || meta.leaving)
      throw new ParleyError('not_a_member', 'you are no longer in this conversation');
  }

  /**
   * Send a commit built from the group's current state. If another member's commit won the epoch
   * (`stale_epoch`), catch up — applying the winner — and build it again from the new state. A
   * build that returns null has nothing left to do (someone else's commit did it).
   */
  private async commitWithRetry(groupIdHex: string, build: CommitBuild): Promise<void> {
    const groupId = fromHex(groupIdHex);
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = this.groups.get(groupIdHex);
      if (state === undefined) throw new ParleyError('not_a_member', 'no such conversation');
      const result = await build(state);
      if (result === null) return;
      await this.setPendingCommit(groupIdHex, result);
      const answer = await this.connection.request({
        type: 'send',
        groupId,
        messageId: randomBytes(16),
        payload: result.commit,
        welcome: result.welcome,
      });
      await this.setPendingCommit(groupIdHex, null);
      if (answer.type === 'sent') {
        await this.markOwn(groupIdHex, answer.seq);
        await this.saveGroup(groupIdHex, result.newState);
        // Publish the new epoch's GroupInfo so devices of members can (re)join by external commit.
        await this.publishGroupInfo(groupIdHex, answer.epoch);
        this.presenceStale = true;
        this.emit('conversation', groupIdHex);
        return;
      }
      if (answer.type !== 'stale_epoch') {
        throw new ParleyError('invalid_commit', answer.type === 'error' ? answer.message : 'commit refused');
      }
      await this.catchUp(groupIdHex);
    }
    throw new ParleyError('wrong_epoch', 'the group kept changing; try again');
  }

  private async setPendingCommit(
    groupIdHex: string,
    pending: { commit: Uint8Array; newState: GroupState } | null,
  ): Promise<void> {
    if (pending === null) {
      if (this.pendingCommits.delete(groupIdHex)) await this.store.delete(NS.pendingCommits, groupIdHex);
      return;
    }
    this.pendingCommits.set(groupIdHex, { commit: pending.commit, newState: pending.newState });
    await this.store.putJson(NS.pendingCommits, groupIdHex, {
      commit: toHex(pending.commit),
      state: toHex(serializeGroupState(pending.newState)),
    });
  }

  /** Add people (all their devices) to a conversation. */
  async addMembers(groupIdHex: string, accountIds: string[]): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(async () => {
      let added = false;
      for (const accountId of accountIds) {
        if (this.members(groupIdHex).includes(accountId)) continue;
        await this.addAccountNow(groupIdHex, accountId, false);
        added = true;
      }
      // Tell the newcomers the group's name (they cannot read anything sent before they joined).
      const { name } = this.meta(groupIdHex);
      if (added && name !== null) await this.enqueue(groupIdHex, { type: 'conversation', name });
    });
    await this.flushSoon();
  }

  /**
   * Claim an account's key packages and commit its devices (not this one) into the group. With
   * `optional`, an account without key packages is skipped (our own, when we have no other device).
   */
  private async addAccountNow(groupIdHex: string, accountId: string, optional: boolean): Promise<void> {
    const bundle = await this.connection.request({
      type: 'kp_claim',
      accountId,
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    if (bundle.type !== 'kp_bundle') {
      if (optional) return;
      throw new ParleyError('not_a_member', `cannot add ${accountId}: no such user, or no device yet`);
    }
    const kps = bundle.keyPackages
      .filter((k) => !(accountId === this.accountId && k.deviceId === this.deviceId))
      .map((k) => k.keyPackage);
    if (kps.length === 0) return;
    await this.commitWithRetry(groupIdHex, (state) =>
      addAccount(this.device, state, accountId, kps).catch(async (e: unknown) => {
        if (e instanceof IdentityKeyMismatchError) await this.recordIdentityChange(e);
        throw e;
      }),
    );
  }

  /**
   * Commit a fresh leaf key for this device (post-compromise security: whatever leaked of this
   * device's earlier keys no longer reads the conversation).
   */
  async selfUpdate(groupIdHex: string): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(() => this.commitWithRetry(groupIdHex, (state) => selfUpdate(this.device, state)));
  }

  /** Remove a person (all their devices) from a conversation. */
  async removeMember(groupIdHex: string, accountId: string): Promise<void> {
    this.requireActive(groupIdHex);
    if (accountId === this.accountId)
      throw new ParleyError('usage', 'to remove yourself, leave the conversation');
    await this.serial(() =>
      this.commitWithRetry(groupIdHex, async (state) =>
        this.members(groupIdHex).includes(accountId)
          ? removeMembers(this.device, state, { accountId })
          : null,
      ),
    );
  }

  /**
   * Leave a conversation on all of this person's devices: our other devices are removed by a
   * commit, and this one proposes its own removal (MLS lets no member commit that), which the next
   * member online commits. Until then the conversation shows as leaving; nothing more is sent.
   */
  async leave(groupIdHex: string): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(async () => {
      const state = this.groups.get(groupIdHex)!;
      const ownLeaf = ownLeafIndex(state);
      const otherDevices = groupMembers(state).filter(
        (m) => m.accountId === this.accountId && m.leafIndex !== ownLeaf,
      );
      for (const d of otherDevices)
        await this.commitWithRetry(groupIdHex, async (s) =>
          groupMembers(s).some((m) => m.leafIndex === d.leafIndex)
            ? removeMembers(this.device, s, { accountId: this.accountId, deviceId: d.deviceId })
            : null,
        );
      if (this.others(groupIdHex).length === 0) {
        // Nobody left to commit our removal: the conversation simply ends here.
        await this.saveMeta(groupIdHex, { ...this.meta(groupIdHex), ended: true });
        this.emit('removed', groupIdHex);
        return;
      }
      for (let attempt = 0; attempt < 5; attempt++) {
        const current = this.groups.get(groupIdHex)!;
        const { newState, proposal } = await proposeLeave(this.device, current);
        const answer = await this.connection.request({
          type: 'send',
          groupId: fromHex(groupIdHex),
          messageId: randomBytes(16),
          payload: proposal,
          welcome: null,
        });
        if (answer.type === 'stale_epoch') {
          await this.catchUp(groupIdHex);
          continue;
        }
        if (answer.type !== 'sent') throw new ParleyError('usage', 'the server refused the leave request');
        await this.markOwn(groupIdHex, answer.seq);
        await this.saveGroup(groupIdHex, newState);
        await this.saveMeta(groupIdHex, { ...this.meta(groupIdHex), leaving: true });
        this.emit('conversation', groupIdHex);
        return;
      }
      throw new ParleyError('wrong_epoch', 'the group kept changing; try again');
    });
  }

  /** Put an application message in the outbox (in the caller's serial section). */
  private async enqueue(groupIdHex: string, body: AppBody): Promise<AppMessage> {
    const app = appMessage(body);
    const item: OutboxItem = { groupId: groupIdHex, messageId: app.id, body: toHex(encodeAppMessage(app)) };
    await this.store.putJson(NS.outbox, String(this.outboxCounter++).padStart(12, '0'), item);
    return app;
  }

  private async enqueueReceipts(
    groupIdHex: string,
    receipt: 'delivered' | 'read',
    ids: string[],
  ): Promise<void> {
    const meta = this.meta(groupIdHex);
    if (!this.groups.has(groupIdHex) || meta.ended || meta.leaving) return;
    for (let i = 0; i < ids.length; i += MAX_RECEIPT_IDS)
      await this.enqueue(groupIdHex, { type: 'receipt', receipt, ids: ids.slice(i, i + MAX_RECEIPT_IDS) });
  }

  /** Send what is queued now, if online (otherwise it goes when the connection is back). */
  private async flushSoon(): Promise<void> {
    if (this.connection.state === 'online') await this.serial(() => this.afterBatch()).catch(() => {});
  }

  /** Queue a text message; it is sent now if online, or as soon as the connection is back. */
  async sendText(groupIdHex: string, text: string): Promise<ChatMessage> {
    this.requireActive(groupIdHex);
    const app = await this.serial(() => this.enqueue(groupIdHex, { type: 'text', text }));
    await this.flushSoon();
    return this.ownText(groupIdHex, app, text, 0, 'sending');
  }

  /** An own text message as the history shows it. */
  private ownText(
    groupIdHex: string,
    app: AppMessage,
    text: string,
    seq: number,
    status: MessageStatus,
  ): ChatMessage {
    return {
      groupId: groupIdHex,
      seq,
      id: app.id,
      from: { accountId: this.accountId, deviceId: this.deviceId },
      sentAt: app.sentAt,
      text,
      status,
    };
  }

  /** The person has seen a conversation: clear its unread count and tell the senders (read receipts). */
  async markRead(groupIdHex: string): Promise<void> {
    const changed = await this.serial(async () => {
      const meta = this.meta(groupIdHex);
      if (meta.unread.length === 0) return false;
      await this.saveMeta(groupIdHex, { ...meta, unread: [] });
      await this.enqueueReceipts(groupIdHex, 'read', meta.unread);
      return true;
    });
    if (!changed) return;
    this.emit('conversation', groupIdHex);
    await this.flushSoon();
  }

  /**
   * Tell the conversation whether the person is typing. Repeated calls while typing send at most
   * one indicator every TYPING_REPEAT_MS; indicators are not queued when offline.
   */
  async setTyping(groupIdHex: string, typing: boolean): Promise<void> {
    const meta = this.meta(groupIdHex);
    if (this.connection.state !== 'online' || !this.groups.has(groupIdHex) || meta.ended || meta.leaving)
      return;
    const last = this.typingSentAt.get(groupIdHex);
    if (typing && last !== undefined && Date.now() - last < TYPING_REPEAT_MS) return;
    if (!typing && last === undefined) return;
    if (typing) this.typingSentAt.set(groupIdHex, Date.now());
    else this.typingSentAt.delete(groupIdHex);
    await this.serial(async () => {
      if (this.heldBy(groupIdHex, await this.pendingIdentityChanges())) return;
      const app = appMessage({ type: 'typing', active: typing });
      await this.encryptAndSend(groupIdHex, app.id, encodeAppMessage(app));
    }).catch(() => {}); // an indicator lost on the way is of no consequence
  }

  /** Messages waiting in the outbox. */
  async pending(): Promise<number> {
    return (await this.store.list(NS.outbox)).length;
  }

  /** Encrypt (persisting the advanced ratchet first) and hand to the server; returns its answer. */
  private async encryptAndSend(
    groupIdHex: string,
    messageId: string,
    body: Uint8Array,
  ): Promise<ServerFrame> {
    const state = this.groups.get(groupIdHex)!;
    const { newState, message } = await encryptApplication(this.device, state, body);
    // Persist the advanced ratchet before the ciphertext leaves: a key is never used twice.
    await this.saveGroup(groupIdHex, newState);
    const answer = await this.connection.request({
      type: 'send',
      groupId: fromHex(groupIdHex),
      messageId: fromHex(messageId),
      payload: message,
      welcome: null,
    });
    if (answer.type === 'sent') await this.markOwn(groupIdHex, answer.seq);
    return answer;
  }

  /** Send the outbox in order; with `attemptedOnly`, only the items already handed to the server. */
  private async flushOutbox(attemptedOnly = false): Promise<void> {
    // Read once per flush: acknowledging a change runs in this same serial queue, not during it.
    const changed = await this.pendingIdentityChanges();
    for (const { key, value } of await this.store.list(NS.outbox)) {
      const item = JSON.parse(new TextDecoder().decode(value)) as OutboxItem;
      // Attempted items are a prefix of the outbox: it is sent in order and stops at a failure.
      if (attemptedOnly && item.attempted !== true) return;
      const meta = this.meta(item.groupId);
      if (!this.groups.has(item.groupId) || meta.ended) {
        await this.giveUp(key, item);
        continue;
      }
      // Hold messages to anyone whose identity changed until the person accepts it (and keep the
      // order: nothing later in the outbox overtakes a held message).
      if (this.heldBy(item.groupId, changed)) return;
      if (item.attempted !== true) await this.store.putJson(NS.outbox, key, { ...item, attempted: true });
      let answer: ServerFrame;
      try {
        answer = await this.encryptAndSend(item.groupId, item.messageId, fromHex(item.body));
      } catch (e) {
        if (e instanceof TransportError) return; // offline: the outbox is flushed again when online
        throw e;
      }
      if (answer.type === 'error') {
        if (answer.code === 'rate_limited') {
          // Kept, in order: tried again shortly.
          this.retryLater();
          return;
        }
        // Refused for good (typically not_a_member: this device was removed before it left).
        await this.giveUp(key, item);
        continue;
      }
      if (answer.type === 'sent') {
        const app = decodeAppMessage(fromHex(item.body));
        if (app.body.type === 'text') {
          const sent: ChatMessage = {
            ...this.ownText(item.groupId, app, app.body.text, answer.seq, 'sent'),
            recipients: this.others(item.groupId),
            deliveredTo: [],
            readBy: [],
          };
          await this.storeMessage(sent);
          await this.saveMeta(item.groupId, { ...this.meta(item.groupId), last: sent });
          this.emit('message_status', { groupId: item.groupId, id: app.id, status: 'sent', seq: answer.seq });
          this.emit('conversation', item.groupId);
        }
      }
      await this.store.delete(NS.outbox, key);
    }
  }

  /**
   * After the server said `rate_limited`: catch up `groupIdHex` (when given) and flush the outbox
   * again shortly. A reconnect syncs everything anyway, so nothing is tried while offline.
   */
  private retryLater(groupIdHex?: string): void {
    if (groupIdHex !== undefined) this.toCatchUp.add(groupIdHex);
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.connection.state !== 'online') return;
      void this.serial(async () => {
        for (const id of [...this.toCatchUp]) {
          this.toCatchUp.delete(id);
          await this.catchUp(id);
        }
        await this.afterBatch();
      }).catch(() => {});
    }, RETRY_MS);
    (this.retryTimer as { unref?: () => void }).unref?.();
  }

  /**
   * An outbox item that can never be sent (no longer a member, or refused by the server): a text
   * stays in the history as `failed`, so the person sees it did not go out; receipts and other
   * control messages are dropped.
   */
  private async giveUp(key: string, item: OutboxItem): Promise<void> {
    const app = decodeAppMessage(fromHex(item.body));
    if (app.body.type !== 'text') {
      await this.store.delete(NS.outbox, key);
      return;
    }
    // Keyed by time then id (outbox keys restart when the outbox empties): history keeps their order.
    await this.store.putJson(
      NS.unsent(item.groupId),
      `${String(app.sentAt).padStart(15, '0')}:${app.id}`,
      this.ownText(item.groupId, app, app.body.text, 0, 'failed'),
    );
    await this.store.delete(NS.outbox, key);
    this.emit('message_status', { groupId: item.groupId, id: app.id, status: 'failed', seq: 0 });
    this.emit('conversation', item.groupId);
  }

  /** The messages of a conversation the person has not seen yet, oldest first. */
  async unread(groupIdHex: string): Promise<ChatMessage[]> {
    const ids = new Set(this.meta(groupIdHex).unread);
    if (ids.size === 0) return [];
    return (await this.history(groupIdHex)).filter((m) => ids.has(m.id));
  }

  /** A conversation's history, oldest first, with messages still waiting to be sent at the end. */
  async history(groupIdHex: string): Promise<ChatMessage[]> {
    const rows = await this.store.list(NS.messages(groupIdHex));
    const stored = rows.map((r) => JSON.parse(new TextDecoder().decode(r.value)) as ChatMessage);
    for (const { value } of await this.store.list(NS.unsent(groupIdHex)))
      stored.push(JSON.parse(new TextDecoder().decode(value)) as ChatMessage);
    for (const { value } of await this.store.list(NS.outbox)) {
      const item = JSON.parse(new TextDecoder().decode(value)) as OutboxItem;
      if (item.groupId !== groupIdHex) continue;
      const app = decodeAppMessage(fromHex(item.body));
      if (app.body.type !== 'text') continue;
      stored.push(this.ownText(groupIdHex, app, app.body.text, 0, 'sending'));
    }
    return stored;
  }
}

/** Processing found the group state behind the log: the device must rejoin. */
class StateBehind extends Error {
  constructor(readonly missed: number) {
    super('group state is behind the log');
  }
}

function seqKey(seq: number): string {
  return String(seq).padStart(15, '0');
}
