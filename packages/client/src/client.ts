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
 *   reason (`undecryptable` event) rather than dropped.
 */
import {
  type AppMessage,
  addAccount,
  createGroup,
  createMlsDevice,
  DEFAULT_CIPHERSUITE,
  type DeviceIdentity,
  decodeAppMessage,
  deserializeGroupState,
  deserializeKeyPackage,
  encodeAppMessage,
  encryptApplication,
  exportGroupInfo,
  fromHex,
  type GroupState,
  generateKeyPackages,
  groupMembers,
  IdentityKeyMismatchError,
  joinFromWelcome,
  type MlsDevice,
  type MlsDeviceOptions,
  ParleyError,
  type PinnedIdentity,
  processIncoming,
  randomBytes,
  removeMembers,
  type SafetyNumber,
  type ServerFrame,
  type StorageKey,
  safetyNumber,
  serializeGroupState,
  serializeKeyPackage,
  textMessage,
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
  identityChanges: 'identity-changes',
  messages: (groupIdHex: string) => `messages:${groupIdHex}`,
} as const;

/** Keep at least this many one-time key packages on the server. */
export const KEY_PACKAGE_TARGET = 20;
const FETCH_PAGE = 200;

export interface ChatMessage {
  groupId: string;
  /** The message's log position (0 while only in the outbox). */
  seq: number;
  id: string;
  from: { accountId: string; deviceId: string };
  sentAt: number;
  text: string;
  status: 'sending' | 'sent' | 'received';
}

export interface ClientEvents {
  message: (m: ChatMessage) => void;
  joined: (groupId: string) => void;
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
}

interface OutboxItem {
  groupId: string;
  messageId: string;
  /** The encoded (padded) application message, hex. */
  body: string;
}

export class ParleyClient {
  readonly connection: Connection;
  private readonly groups = new Map<string, GroupState>();
  private readonly listeners: { [K in keyof ClientEvents]: Set<ClientEvents[K]> } = {
    message: new Set(),
    joined: new Set(),
    undecryptable: new Set(),
    identity_changed: new Set(),
  };
  /** Serialises all work on group state: one operation at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private outboxCounter = 0;

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
    this.connection.close();
    await this.queue.catch(() => {});
    await this.options.records.close();
  }

  get accountId(): string {
    return this.options.identity.accountId;
  }

  conversations(): string[] {
    return [...this.groups.keys()];
  }

  /** The accounts in a conversation (each once, whatever its number of devices). */
  members(groupIdHex: string): string[] {
    const state = this.groups.get(groupIdHex);
    return state === undefined ? [] : [...new Set(groupMembers(state).map((m) => m.accountId))].sort();
  }

  /** The one-to-one conversation with an account, if there is one. */
  conversationWith(accountId: string): string | undefined {
    const wanted = [...new Set([this.accountId, accountId])].sort().join('\0');
    return this.conversations().find((id) => this.members(id).join('\0') === wanted);
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

  private async heldBy(groupIdHex: string): Promise<boolean> {
    const changed = await this.pendingIdentityChanges();
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
        for (const id of this.conversations()) await this.catchUp(id);
        await this.flushOutbox();
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

  /** Going online: replenish key packages, collect Welcomes, catch up every group, flush the outbox. */
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
    const sync = await this.connection.request({ type: 'sync' });
    if (sync.type === 'sync_state') {
      for (const w of sync.welcomes) await this.acceptWelcome(w.groupId, w.seq, w.welcome);
      for (const g of sync.groups) await this.catchUp(toHex(g.groupId));
    }
    await this.flushOutbox();
  }

  private async onPush(f: ServerFrame): Promise<void> {
    if (f.type === 'welcome') await this.acceptWelcome(f.groupId, f.seq, f.welcome);
    else if (f.type === 'deliver') {
      const id = toHex(f.groupId);
      const cursor = await this.cursor(id);
      if (f.seq <= cursor) return; // already processed (at-least-once delivery)
      if (f.seq !== cursor + 1) await this.catchUp(id);
      else
        await this.process(id, f.seq, f.payload).catch((e: unknown) => {
          if (!(e instanceof IdentityKeyMismatchError)) throw e;
        });
    } else if (f.type === 'kp_remaining' && f.oneTime < KEY_PACKAGE_TARGET / 2) {
      await this.onOnline();
    }
  }

  private async acceptWelcome(groupId: Uint8Array, seq: number, welcome: Uint8Array): Promise<void> {
    const id = toHex(groupId);
    if (!this.groups.has(id)) {
      const { state, keyPackageRef } = await joinFromWelcome(this.device, welcome, {
        find: async (ref) => {
          const stored = await this.store.get(NS.keyPackages, toHex(ref));
          return stored === undefined ? undefined : deserializeKeyPackage(stored);
        },
      });
      await this.saveGroup(id, state);
      await this.setCursor(id, seq);
      const used = await this.store.get(NS.keyPackages, toHex(keyPackageRef));
      if (used !== undefined && !deserializeKeyPackage(used).lastResort)
        await this.store.delete(NS.keyPackages, toHex(keyPackageRef));
      this.emit('joined', id);
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
      if (page.type !== 'messages') return;
      try {
        for (const m of page.items) await this.process(groupIdHex, m.seq, m.payload);
      } catch (e) {
        if (e instanceof IdentityKeyMismatchError) return; // held until acknowledged
        throw e;
      }
      if (!page.more) return;
    }
  }

  private async process(groupIdHex: string, seq: number, payload: Uint8Array): Promise<void> {
    const state = this.groups.get(groupIdHex);
    if (state === undefined) return;
    // Processed already (its result was stored, then the process stopped before the cursor moved).
    const done = (await this.store.get(NS.messages(groupIdHex), seqKey(seq))) !== undefined;
    try {
      if (done) throw new ParleyError('replayed_message', 'already processed');
      const result = await processIncoming(this.device, state, payload);
      await this.saveGroup(groupIdHex, result.newState);
      if (result.kind === 'application') {
        const app = decodeAppMessage(result.plaintext);
        if (app.body.type === 'text') {
          const message: ChatMessage = {
            groupId: groupIdHex,
            seq,
            id: app.id,
            from: { accountId: result.sender.accountId, deviceId: result.sender.deviceId },
            sentAt: app.sentAt,
            text: app.body.text,
            status: 'received',
          };
          await this.store.putJson(NS.messages(groupIdHex), seqKey(seq), message);
          this.emit('message', message);
        }
      }
    } catch (e) {
      if (e instanceof IdentityKeyMismatchError) {
        // Stop here, cursor unmoved: this message is processed again once the change is accepted.
        await this.recordIdentityChange(e);
        throw e;
      }
      // Our own messages come back in the log (we cannot decrypt them: MLS deletes the sender's
      // key); they are recognised by their id and were stored when sent.
      const own = await this.store.get(NS.meta, `own:${groupIdHex}:${seq}`);
      if (own === undefined && !done) {
        this.emit('undecryptable', {
          groupId: groupIdHex,
          seq,
          code: e instanceof ParleyError ? e.code : 'internal',
        });
      }
    }
    await this.setCursor(groupIdHex, seq);
    await this.connection.request({ type: 'ack', groupId: fromHex(groupIdHex), seq }).catch(() => {});
  }

  /** Start a conversation with the given accounts (all their devices, and our other devices). */
  createConversation(accountIds: string[]): Promise<string> {
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
      for (const accountId of accountIds) await this.addAccountNow(id, accountId);
      return id;
    });
  }

  /**
   * Send a commit built from the group's current state. If another member's commit won the epoch
   * (`stale_epoch`), catch up — applying the winner — and build it again from the new state.
   */
  private async commitWithRetry(
    groupIdHex: string,
    build: (
      state: GroupState,
    ) => Promise<{ newState: GroupState; commit: Uint8Array; welcome: Uint8Array | null }>,
  ): Promise<void> {
    const groupId = fromHex(groupIdHex);
    for (let attempt = 0; attempt < 5; attempt++) {
      const state = this.groups.get(groupIdHex);
      if (state === undefined) throw new ParleyError('not_a_member', 'no such conversation');
      const result = await build(state);
      const answer = await this.connection.request({
        type: 'send',
        groupId,
        messageId: randomBytes(16),
        payload: result.commit,
        welcome: result.welcome,
      });
      if (answer.type === 'sent') {
        await this.store.put(NS.meta, `own:${groupIdHex}:${answer.seq}`, new Uint8Array([1]));
        await this.saveGroup(groupIdHex, result.newState);
        // Publish the new epoch's GroupInfo so devices of members can (re)join by external commit.
        const groupInfo = await exportGroupInfo(this.device, result.newState);
        await this.connection.request({ type: 'group_info_put', groupId, epoch: answer.epoch, groupInfo });
        return;
      }
      if (answer.type !== 'stale_epoch') {
        throw new ParleyError('invalid_commit', answer.type === 'error' ? answer.message : 'commit refused');
      }
      await this.catchUp(groupIdHex);
    }
    throw new ParleyError('wrong_epoch', 'the group kept changing; try again');
  }

  /** Add people (all their devices) to a conversation. */
  addMembers(groupIdHex: string, accountIds: string[]): Promise<void> {
    return this.serial(async () => {
      for (const accountId of accountIds) {
        if (!this.members(groupIdHex).includes(accountId)) await this.addAccountNow(groupIdHex, accountId);
      }
    });
  }

  /** Claim an account's key packages and commit its devices (not this one) into the group. */
  private async addAccountNow(groupIdHex: string, accountId: string): Promise<void> {
    const bundle = await this.connection.request({
      type: 'kp_claim',
      accountId,
      cipherSuite: DEFAULT_CIPHERSUITE,
    });
    if (bundle.type !== 'kp_bundle') throw new ParleyError('not_a_member', `cannot add ${accountId}`);
    const kps = bundle.keyPackages
      .filter((k) => !(accountId === this.accountId && k.deviceId === this.options.identity.deviceId))
      .map((k) => k.keyPackage);
    if (kps.length === 0) return;
    await this.commitWithRetry(groupIdHex, (state) =>
      addAccount(this.device, state, accountId, kps).catch(async (e: unknown) => {
        if (e instanceof IdentityKeyMismatchError) await this.recordIdentityChange(e);
        throw e;
      }),
    );
  }

  /** Remove a person (all their devices) from a conversation. */
  removeMember(groupIdHex: string, accountId: string): Promise<void> {
    return this.serial(() =>
      this.commitWithRetry(groupIdHex, (state) => removeMembers(this.device, state, { accountId })),
    );
  }

  /** Queue a text message; it is sent now if online, or as soon as the connection is back. */
  async sendText(groupIdHex: string, text: string): Promise<ChatMessage> {
    const app: AppMessage = textMessage(text);
    const item: OutboxItem = { groupId: groupIdHex, messageId: app.id, body: toHex(encodeAppMessage(app)) };
    const message: ChatMessage = {
      groupId: groupIdHex,
      seq: 0,
      id: app.id,
      from: { accountId: this.accountId, deviceId: this.options.identity.deviceId },
      sentAt: app.sentAt,
      text,
      status: 'sending',
    };
    await this.serial(async () => {
      await this.store.putJson(NS.outbox, String(this.outboxCounter++).padStart(12, '0'), item);
    });
    if (this.connection.state === 'online') await this.serial(() => this.flushOutbox()).catch(() => {});
    return message;
  }

  /** Messages waiting in the outbox. */
  async pending(): Promise<number> {
    return (await this.store.list(NS.outbox)).length;
  }

  private async flushOutbox(): Promise<void> {
    for (const { key, value } of await this.store.list(NS.outbox)) {
      const item = JSON.parse(new TextDecoder().decode(value)) as OutboxItem;
      const state = this.groups.get(item.groupId);
      if (state === undefined) {
        await this.store.delete(NS.outbox, key);
        continue;
      }
      // Hold messages to anyone whose identity changed until the person accepts it (and keep the
      // order: nothing later in the outbox overtakes a held message).
      if (await this.heldBy(item.groupId)) return;
      const { newState, message } = await encryptApplication(this.device, state, fromHex(item.body));
      // Persist the advanced ratchet before the ciphertext leaves: a key is never used twice.
      await this.saveGroup(item.groupId, newState);
      let answer: ServerFrame;
      try {
        answer = await this.connection.request({
          type: 'send',
          groupId: fromHex(item.groupId),
          messageId: fromHex(item.messageId),
          payload: message,
          welcome: null,
        });
      } catch (e) {
        if (e instanceof TransportError) return; // offline: the outbox is flushed again when online
        throw e;
      }
      if (answer.type === 'sent') {
        await this.store.put(NS.meta, `own:${item.groupId}:${answer.seq}`, new Uint8Array([1]));
        const app = decodeAppMessage(fromHex(item.body));
        const sent: ChatMessage = {
          groupId: item.groupId,
          seq: answer.seq,
          id: app.id,
          from: { accountId: this.accountId, deviceId: this.options.identity.deviceId },
          sentAt: app.sentAt,
          text: app.body.type === 'text' ? app.body.text : '',
          status: 'sent',
        };
        await this.store.putJson(NS.messages(item.groupId), seqKey(answer.seq), sent);
      }
      await this.store.delete(NS.outbox, key);
    }
  }

  /** A conversation's history, oldest first. */
  async history(groupIdHex: string): Promise<ChatMessage[]> {
    const rows = await this.store.list(NS.messages(groupIdHex));
    return rows.map((r) => JSON.parse(new TextDecoder().decode(r.value)) as ChatMessage);
  }
}

function seqKey(seq: number): string {
  return String(seq).padStart(15, '0');
}
