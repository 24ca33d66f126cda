/**
 * ParleyClient: one device's chat engine, as a small facade over ./chat (one module per concern)
 * and ./storage (repositories over the sealed record store). It keeps the device's MLS groups, key
 * packages, outbox, cursors and history in a sealed local store, talks to the server through a
 * Connection, and turns what arrives into events.
 *
 * Guarantees it is built around:
 * - Never lose a message: a message to send goes into the persisted outbox first, and leaves it
 *   only when the server answered `sent`. After a crash or a restart the outbox is sent again with
 *   the same message ids, which the server stores once.
 * - Never reuse a message key: a message is encrypted when it is sent, and the group state with the
 *   advanced ratchet is persisted before the ciphertext leaves.
 * - In order, nothing skipped, nothing twice: group messages are processed strictly by log
 *   sequence number; a gap (a push arriving after a missed one) is filled from the server before
 *   going on. What a message changes and the cursor past it are stored in one atomic batch, and the
 *   cursor is acknowledged only after that.
 * - Nothing undecryptable is silent: a message that cannot be processed is reported with its
 *   reason (`undecryptable` event) rather than dropped. A device whose group state is lost or
 *   behind the group rejoins by external commit from the published GroupInfo (`rejoined` event).
 *
 * Receipts ("delivered" when a device stored a message, "read" when the person saw it), typing
 * indicators and a group's name travel as encrypted application messages like text does.
 */
import {
  epochAuthenticator,
  groupEpoch,
  ParleyError,
  type PinnedIdentity,
  type SafetyNumber,
  safetyNumber,
} from '@parley/core';
import type { ParleyApi } from './api.js';
import { Files } from './attachments/files.js';
import { exportBackup, type NewBackup } from './backup.js';
import * as annotations from './chat/annotations.js';
import { setBlocked } from './chat/blocking.js';
import type { Chat, serialQueue } from './chat/context.js';
import { type DeletedAccount, deleteAccount } from './chat/deleteAccount.js';
import { setTimer, sweep } from './chat/disappearing.js';
import type { Emitter } from './chat/events.js';
import { exportHistory, type HistoryExport } from './chat/export.js';
import { acceptIdentityChange, pendingIdentityChanges } from './chat/identityChanges.js';
import { releaseHeldMessages } from './chat/inbound.js';
import * as membership from './chat/membership.js';
import { openChat } from './chat/open.js';
import { enqueue, ownText } from './chat/outbox.js';
import { markRead } from './chat/receipts.js';
import { reportMessage } from './chat/report.js';
import { search } from './chat/search.js';
import { chosenSuite, ofSuite } from './chat/suites.js';
import { afterBatch, onOnline } from './chat/sync.js';
import type {
  ChatMessage,
  ClientEvents,
  ConversationSummary,
  HistoryPage,
  HistoryPageOptions,
  NewConversation,
  ParleyClientOptions,
  SearchResult,
} from './chat/types.js';
import { sendTyping } from './chat/typing.js';
import * as views from './chat/views.js';
import { DeviceHttp } from './deviceHttp.js';
import { type HistorySummary, type SendHistoryOptions, sendHistory } from './historyTransfer.js';
import { inBatch } from './storage/batch.js';
import { outboxItems } from './storage/outbox.js';
import type { LogView } from './transparency/view.js';
import type { Connection } from './transport.js';

export class ParleyClient {
  readonly connection: Connection;
  /** Files in conversations: send, fetch, the account's usage (attachments/files.ts). */
  readonly files: Files;
  private readonly server: DeviceHttp;
  private readonly events: Emitter;

  private constructor(
    private readonly options: ParleyClientOptions,
    private readonly chat: Chat,
    /** Serialises all work on group state: one operation at a time. */
    private readonly queue: ReturnType<typeof serialQueue>,
  ) {
    this.connection = chat.connection;
    this.events = chat.events;
    this.server = new DeviceHttp(chat.connection, options.serverUrl, options.blobHttp);
    this.files = new Files(chat, this.server, options.attachmentPrimitives, {
      serial: (work) => this.serial(work),
      flushSoon: () => this.flushSoon(),
    });
  }

  /** Open the local store and the device's MLS context; call start() to go online. */
  static async open(options: ParleyClientOptions): Promise<ParleyClient> {
    const { chat, queue } = await openChat(options);
    const client = new ParleyClient(options, chat, queue);
    await sweep(chat); // disappearing messages whose time came while the client was closed
    return client;
  }

  on<K extends keyof ClientEvents>(event: K, listener: ClientEvents[K]): () => void {
    return this.events.on(event, listener);
  }

  start(): void {
    this.connection.start();
  }

  async close(): Promise<void> {
    if (this.chat.closed) return;
    this.chat.closed = true;
    this.chat.typing.close();
    this.chat.acks.close();
    clearTimeout(this.chat.later.retryTimer);
    for (const timer of this.chat.resets.timers.values()) clearTimeout(timer);
    clearTimeout(this.chat.expiry.timer);
    this.connection.close();
    await this.queue.idle();
    await this.options.records.close();
  }

  /** The server's key transparency log as this device saw it: its newest head, refresh (issue #21). */
  get keyLog(): LogView {
    return this.chat.transparency;
  }

  get accountId(): string {
    return this.options.identity.accountId;
  }

  get deviceId(): string {
    return this.options.identity.deviceId;
  }

  conversations(): string[] {
    return this.chat.conversations.ids();
  }

  /** The accounts in a conversation (each once, whatever its number of devices). */
  members(groupIdHex: string): string[] {
    return this.chat.conversations.members(groupIdHex);
  }

  /** A conversation as a list shows it. */
  conversation(groupIdHex: string): ConversationSummary | undefined {
    return views.summary(this.chat, groupIdHex);
  }

  /** Every conversation, the most recently active first. */
  conversationList(): ConversationSummary[] {
    return views.conversationList(this.chat);
  }

  /** The one-to-one conversation with an account, if there is one. */
  conversationWith(accountId: string): string | undefined {
    return views.conversationWith(this.chat, accountId);
  }

  /** The one-to-one conversation with an account, created (of the suite asked for) if there is none yet. */
  async directConversation(accountId: string, options?: NewConversation): Promise<string> {
    const known = this.conversationWith(accountId);
    return known === undefined
      ? this.createConversation([accountId], null, options)
      : ofSuite(this.chat, known, options);
  }

  /**
   * Block an account: its messages are dropped here, a conversation only it shares with this person
   * is not listed, and presence stops between the two (`unblock` undoes it).
   */
  block(accountId: string): Promise<void> {
    return this.serial(() => setBlocked(this.chat, accountId, true));
  }

  unblock(accountId: string): Promise<void> {
    return this.serial(() => setBlocked(this.chat, accountId, false));
  }

  /**
   * Report a message received to the server's operator, revealing that one message (its text, or
   * a file's name, type and size) with its sender and a reason; resolves with the report's id.
   */
  report(groupIdHex: string, messageId: string, reason: string): Promise<string> {
    return reportMessage(this.chat, this.server, groupIdHex, messageId, reason);
  }

  /** This person's history, decrypted, to keep (JSON; `historyHtml` renders it as a page). */
  exportHistory(): Promise<HistoryExport> {
    return exportHistory(this.chat);
  }

  /** An encrypted backup of this account (backup.ts): the file, and its recovery key to show once. */
  exportBackup(): Promise<NewBackup> {
    return this.serial(() => exportBackup(this.chat));
  }

  /** Send this account's history to the device just linked with `code` (historyTransfer.ts). */
  sendHistory(
    api: ParleyApi,
    token: string,
    code: string,
    options?: SendHistoryOptions,
  ): Promise<HistorySummary> {
    const from = { chat: this.chat, server: this.server, primitives: this.options.attachmentPrimitives };
    return sendHistory({ ...from, serial: (work) => this.serial(work) }, api, token, code, options);
  }

  /** The accounts blocked, by name. */
  blocked(): string[] {
    return this.chat.blocks.all();
  }

  /** Contacts: everyone this device shares a conversation with. */
  contacts(): string[] {
    return views.contacts(this.chat);
  }

  /** Contacts that are connected now (as the server last said). */
  online(): string[] {
    return this.chat.presence.online();
  }

  /** When a contact was last connected (ms since the epoch; 0 if never), if the server told us. */
  lastSeen(accountId: string): number | undefined {
    return this.chat.presence.lastSeen(accountId);
  }

  /**
   * Whether this account shares when it is online and last seen with its contacts (people in a
   * conversation both have joined). Reciprocal: an account that does not share sees no one's.
   */
  sharesPresence(): Promise<boolean> {
    return this.chat.presence.sharing(null);
  }

  /** Switch presence sharing for the whole account (every device); resolves to the new setting. */
  setPresenceSharing(share: boolean): Promise<boolean> {
    return this.chat.presence.sharing(share);
  }

  /** The epoch of this device's state for a conversation. */
  epoch(groupIdHex: string): bigint | undefined {
    const state = this.chat.conversations.state(groupIdHex);
    return state === undefined ? undefined : groupEpoch(state);
  }

  /**
   * The epoch authenticator of this device's state for a conversation (RFC 9420 §8.7): every member
   * in the same epoch holds the same value, so comparing it proves they share the group's secrets.
   */
  epochAuthenticator(groupIdHex: string): Uint8Array | undefined {
    const state = this.chat.conversations.state(groupIdHex);
    return state === undefined ? undefined : epochAuthenticator(state);
  }

  /** A contact's pinned identity (first seen, or verified), if this device has met them. */
  contact(accountId: string): Promise<PinnedIdentity | undefined> {
    return this.chat.identities.get(accountId);
  }

  /** The safety number to compare with a contact (see @parley/core safetyNumber). */
  async safetyNumberWith(accountId: string): Promise<SafetyNumber | undefined> {
    const theirs = await this.chat.identities.get(accountId);
    if (theirs === undefined) return undefined;
    const { identity } = this.options;
    return safetyNumber(
      { accountId: identity.accountId, identityKey: identity.identityKey },
      { accountId, identityKey: theirs.identityKey },
    );
  }

  /** Record that the person compared safety numbers with this contact and they matched. */
  async markVerified(accountId: string): Promise<void> {
    const theirs = await this.chat.identities.get(accountId);
    if (theirs === undefined) throw new ParleyError('usage', 'unknown contact');
    await this.chat.identities.put({ ...theirs, verified: true });
  }

  /** Contacts whose identity key changed and who are waiting for the person's decision. */
  pendingIdentityChanges(): Promise<string[]> {
    return pendingIdentityChanges(this.chat.store);
  }

  /**
   * The person accepts a contact's new identity key: it is pinned (unverified), the messages held
   * from that contact's new devices appear, and the sends held in conversations with them go out.
   */
  acknowledgeIdentityChange(accountId: string): Promise<void> {
    return this.serial(async () => {
      if (!(await acceptIdentityChange(this.chat, accountId))) return;
      await releaseHeldMessages(this.chat, accountId);
      if (this.connection.state !== 'online') return;
      await afterBatch(this.chat);
    });
  }

  /** Wait until connected, then catch up everything (Welcomes, every group) and flush the outbox. */
  async sync(timeoutMs?: number): Promise<void> {
    await this.connection.waitOnline(timeoutMs);
    await this.serial(() => onOnline(this.chat));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    return this.queue.run(work);
  }

  /** Start a conversation with these accounts (all their devices, and ours); `postQuantum`: X-Wing. */
  async createConversation(accountIds: string[], name: string | null = null, options?: NewConversation) {
    const suite = chosenSuite(options);
    const id = await this.serial(() => membership.createConversation(this.chat, accountIds, name, suite));
    await this.flushSoon();
    return id;
  }

  /** Start a named group with the given people. */
  createGroup(name: string, accountIds: string[], options?: NewConversation): Promise<string> {
    return this.createConversation(accountIds, membership.groupName(name), options);
  }

  /** Rename a group (everyone in it sees the new name). */
  async rename(groupIdHex: string, name: string): Promise<void> {
    const trimmed = membership.groupName(name);
    this.requireActive(groupIdHex);
    await this.serial(() =>
      inBatch(this.chat.store, async (w) => {
        const announce = this.chat.conversations.meta(groupIdHex).name !== trimmed; // a line (systemLines.ts)
        await this.chat.conversations.updateMeta(w, groupIdHex, { name: trimmed });
        await enqueue(this.chat, w, groupIdHex, { type: 'conversation', name: trimmed }, { announce });
      }),
    );
    this.events.emit('conversation', groupIdHex);
    await this.flushSoon();
  }

  /**
   * Set a conversation's disappearing-messages timer (seconds: 5 minutes to 4 weeks; 0 turns it
   * off): messages sent after it leave every device and the server that long after they were sent.
   */
  async setTimer(groupIdHex: string, seconds: number): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(() => setTimer(this.chat, groupIdHex, seconds));
    await this.flushSoon();
  }

  /** Search this device's history: messages holding every word (case and accents ignored), newest first. */
  search(words: string, options: { limit?: number } = {}): Promise<SearchResult[]> {
    return search(this.chat, words, options.limit);
  }

  private requireActive(groupIdHex: string): void {
    if (!this.chat.conversations.active(groupIdHex))
      throw new ParleyError('not_a_member', 'you are no longer in this conversation');
  }

  /** Add people (all their devices) to a conversation. */
  async addMembers(groupIdHex: string, accountIds: string[]): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(() => membership.addMembers(this.chat, groupIdHex, accountIds));
    await this.flushSoon();
  }

  /**
   * Commit a fresh leaf key for this device (post-compromise security: whatever leaked of this
   * device's earlier keys no longer reads the conversation).
   */
  async selfUpdate(groupIdHex: string): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(() => membership.updateOwnLeaf(this.chat, groupIdHex));
  }

  /** Remove a person (all their devices) from a conversation. */
  async removeMember(groupIdHex: string, accountId: string): Promise<void> {
    this.requireActive(groupIdHex);
    if (accountId === this.accountId)
      throw new ParleyError('usage', 'to remove yourself, leave the conversation');
    await this.serial(() => membership.removeAccount(this.chat, groupIdHex, accountId));
  }

  /**
   * Leave a conversation on all of this person's devices: our other devices are removed by a
   * commit, and this one proposes its own removal (MLS lets no member commit that), which the next
   * member online commits. Until then the conversation shows as leaving; nothing more is sent.
   */
  async leave(groupIdHex: string): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(() => membership.leave(this.chat, groupIdHex));
  }

  /** Leave every conversation, then delete the account (`token`: a fresh login's; chat/deleteAccount.ts). */
  deleteAccount(api: ParleyApi, token: string): Promise<DeletedAccount> {
    return deleteAccount(this, api, token);
  }

  /** Send what is queued now, if online (otherwise it goes when the connection is back). */
  private async flushSoon(): Promise<void> {
    if (this.connection.state === 'online') await this.serial(() => afterBatch(this.chat)).catch(() => {});
  }

  /** Queue a text message; it is sent now if online, or as soon as the connection is back. */
  async sendText(groupIdHex: string, text: string): Promise<ChatMessage> {
    this.requireActive(groupIdHex);
    const app = await this.serial(() =>
      enqueue(this.chat, this.chat.store, groupIdHex, { type: 'text', text }),
    );
    await this.flushSoon();
    return ownText(this.chat, groupIdHex, app, 0, 'sending');
  }

  /** Queue a reply to message `targetId` (it shows a quote of it); sent as sendText is. */
  async reply(groupIdHex: string, targetId: string, text: string): Promise<ChatMessage> {
    this.requireActive(groupIdHex);
    const message = await this.serial(() => annotations.reply(this.chat, groupIdHex, targetId, text));
    await this.flushSoon();
    return message;
  }

  /**
   * React to a message with an emoji, or take that reaction back if this person already reacted
   * with it (a toggle; several emoji per person). Shown at once here (`message_updated`).
   */
  react(groupIdHex: string, targetId: string, emoji: string): Promise<void> {
    return this.annotate(groupIdHex, () => annotations.react(this.chat, groupIdHex, targetId, emoji));
  }

  /** Replace the text of one of this person's messages: everyone sees the latest text, marked edited. */
  edit(groupIdHex: string, targetId: string, text: string): Promise<void> {
    return this.annotate(groupIdHex, () => annotations.edit(this.chat, groupIdHex, targetId, text));
  }

  /**
   * Delete one of this person's messages for everyone: a tombstone, its text or file gone from
   * every store (a file's blob from the server too).
   */
  async deleteMessage(groupIdHex: string, targetId: string): Promise<void> {
    const file = await this.files.attachmentOf(groupIdHex, targetId);
    await this.annotate(groupIdHex, () => annotations.deleteMessage(this.chat, groupIdHex, targetId));
    if (file !== undefined) await this.files.forget(file);
  }

  private async annotate(groupIdHex: string, work: () => Promise<void>): Promise<void> {
    this.requireActive(groupIdHex);
    await this.serial(work);
    await this.flushSoon();
  }

  /** The person has seen a conversation: clear its unread count and tell the senders (read receipts). */
  async markRead(groupIdHex: string): Promise<void> {
    const changed = await this.serial(() =>
      inBatch(this.chat.store, (w) => markRead(this.chat, w, groupIdHex)),
    );
    if (!changed) return;
    this.events.emit('conversation', groupIdHex);
    await this.flushSoon();
  }

  /**
   * Tell the conversation whether the person is typing. Repeated calls while typing send at most
   * one indicator every TYPING_REPEAT_MS; indicators are not queued when offline.
   */
  setTyping(groupIdHex: string, typing: boolean): Promise<void> {
    return sendTyping(this.chat, groupIdHex, typing);
  }

  /** Messages waiting in the outbox (of one conversation, when given). */
  async pending(groupIdHex?: string): Promise<number> {
    const items = await outboxItems(this.chat.store);
    return items.filter(({ item }) => groupIdHex === undefined || item.groupId === groupIdHex).length;
  }

  /** The messages of a conversation the person has not seen yet, oldest first. */
  async unread(groupIdHex: string): Promise<ChatMessage[]> {
    const ids = new Set(this.chat.conversations.meta(groupIdHex).unread);
    if (ids.size === 0) return [];
    return (await this.history(groupIdHex)).filter((m) => ids.has(m.id));
  }

  /** A conversation's history, oldest first, with messages still waiting to be sent at the end. */
  history(groupIdHex: string): Promise<ChatMessage[]>;
  /**
   * One page of it: the latest `limit` messages before the `before` cursor (an earlier page's
   * `earlier`), oldest first; only the latest page ends with the messages not sent (yet).
   */
  history(groupIdHex: string, page: HistoryPageOptions): Promise<HistoryPage>;
  history(groupIdHex: string, page?: HistoryPageOptions): Promise<ChatMessage[] | HistoryPage> {
    return page === undefined
      ? views.history(this.chat, groupIdHex)
      : views.historyPage(this.chat, groupIdHex, page);
  }
}
