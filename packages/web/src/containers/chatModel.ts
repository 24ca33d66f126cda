/**
 * The app's view of one signed-in ParleyClient, for React's useSyncExternalStore: SDK events and
 * the person's actions become ChatEvents applied by chatReducer (./chatState.ts). Opening a
 * conversation reads its latest page of history only; each earlier page is read when asked for,
 * and nothing is read again per event. All data work happens here; components only render snapshots.
 */
import {
  type AttachmentInfo,
  type ChatMessage,
  type HistoryExport,
  historyHtml,
  type NewConversation,
  type ParleyClient,
  quoteOf,
  type SearchResult,
  type TransferOptions,
} from '@parley/client';
import { attachmentBlob, blobSource } from '@parley/client/browser';
import { type SafetyNumber, safetyNumber } from '@parley/core';
import {
  type ChatEvent,
  type ChatState,
  type Conversation,
  chatReducer,
  HISTORY_PAGE,
  initialChatState,
} from './chatState.js';
import { describeFile, roomProblem } from './files.js';
import { checkGroupName, checkPeopleCount, checkText, notSentError } from './inputChecks.js';

export type { Conversation } from './chatState.js';
export type ChatSnapshot = ChatState;

export class ChatModel {
  private snapshot: ChatState;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribe: Array<() => void> = [];
  /** New identity keys presented by contacts this session (to compare before accepting). */
  private readonly presented = new Map<string, Uint8Array>();
  /** Reads from the client's store, one at a time, so answers never arrive out of order. */
  private reading: Promise<void> = Promise.resolve();
  private closed = false;
  private localCounter = 0;
  /** The files being sent, each with what cancels it. */
  private readonly uploads = new Map<string, AbortController>();
  /** Whether the person can see the page (read receipts are sent only then). */
  private visible = true;
  private markingRead = false;
  /** Called for each new message from someone else (notifications). */
  onIncoming: ((m: ChatMessage, conversation: Conversation | undefined) => void) | undefined;

  /** Read (`null`) or set whether the account shares its presence (the Privacy dialog). */
  readonly presenceSharing = (share: boolean | null): Promise<boolean> =>
    share === null ? this.client.sharesPresence() : this.client.setPresenceSharing(share);

  constructor(
    readonly client: ParleyClient,
    private readonly identityKey: Uint8Array,
  ) {
    this.snapshot = initialChatState(client.accountId, client.connection.state);
    const conversationsChanged = () => this.conversationsChanged();
    this.unsubscribe.push(
      client.on('message', (message) => {
        this.dispatch({ type: 'message', message });
        this.conversationsChanged();
        if (message.from.accountId !== client.accountId)
          this.onIncoming?.(
            message,
            this.snapshot.conversations.find((c) => c.id === message.groupId),
          );
      }),
      client.on('message_status', (s) => this.dispatch({ type: 'status', ...s })),
      client.on('message_updated', (message) => {
        this.dispatch({ type: 'updated', message });
        this.conversationsChanged();
      }),
      client.on('message_expired', (x) => {
        this.dispatch({ type: 'expired', ...x });
        this.conversationsChanged();
      }),
      // Timer changes and repairs are system lines of the history: they come in order like messages.
      client.on('system', (message) => this.dispatch({ type: 'message', message })),
      client.on('timer', conversationsChanged),
      client.on('conversation', conversationsChanged),
      client.on('joined', conversationsChanged),
      client.on('removed', conversationsChanged),
      client.on('presence', (p) =>
        this.dispatch({ type: 'presence', accountId: p.accountId, online: p.online }),
      ),
      client.on('typing', (t) => this.dispatch({ type: 'typing', ...t })),
      client.on('identity_changed', (c) => {
        this.presented.set(c.accountId, c.presentedKey);
        this.readIdentityChanges();
      }),
      client.on('undecryptable', (u) =>
        this.dispatch({ type: 'undecryptable', groupId: u.groupId, count: 1 }),
      ),

      client.on('conversation_reset', (r) => {
        // The conversation goes on under its new group's id (its history says so: a system line);
        // an open one stays open.
        if (this.snapshot.openId === r.from) this.open(r.to);
        this.conversationsChanged();
      }),
      client.on('sync_error', (e) => this.dispatch({ type: 'sync', error: e.code })),
      client.on('synced', () => this.dispatch({ type: 'sync', error: undefined })),
      client.on('rejoined', (r) =>
        this.dispatch({ type: 'undecryptable', groupId: r.groupId, count: r.missed }),
      ),
      client.connection.onState((state) => {
        this.dispatch({ type: 'connection', state, presence: client.online() });
        this.conversationsChanged();
      }),
    );
    this.dispatch({ type: 'connection', state: client.connection.state, presence: client.online() });
    this.conversationsChanged();
    this.readIdentityChanges();
    this.readVerified();
    this.dispatch({ type: 'blocked', accounts: client.blocked() });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ChatState => this.snapshot;

  private dispatch(event: ChatEvent): void {
    if (this.closed) return;
    const next = chatReducer(this.snapshot, event);
    if (next === this.snapshot) return;
    this.snapshot = next;
    for (const l of this.listeners) l();
  }

  /** Queue a read from the client's store; its answer becomes an event. */
  private read(work: () => Promise<ChatEvent | undefined>): Promise<void> {
    this.reading = this.reading
      .then(work)
      .then((event) => {
        if (event !== undefined) this.dispatch(event);
      })
      .catch(() => {});
    return this.reading;
  }

  private readIdentityChanges(): Promise<void> {
    return this.read(async () => ({
      type: 'identityChanges',
      accounts: await this.client.pendingIdentityChanges(),
    }));
  }

  private readVerified(): Promise<void> {
    return this.read(async () => {
      const accounts: string[] = [];
      for (const a of this.client.contacts()) if ((await this.client.contact(a))?.verified) accounts.push(a);
      return { type: 'verified', accounts };
    });
  }

  /** The client's conversation list (held in memory by the client) changed. */
  private conversationsChanged(): void {
    this.dispatch({ type: 'conversations', conversations: this.client.conversationList() });
    this.markOpenRead();
  }

  /** The person sees the open conversation: its unread messages are read. */
  private markOpenRead(): void {
    const openId = this.snapshot.openId;
    // The client's own count, not the snapshot's: it is what markRead clears.
    const open = openId === undefined ? undefined : this.client.conversation(openId);
    if (open === undefined || open.unread === 0 || !this.visible || this.markingRead) return;
    this.markingRead = true;
    // Messages that arrive while this one is in flight (its receipts wait for the connection) are
    // skipped here: once it has settled, look again so they are read too. A failure waits for the
    // next change or visibility instead of retrying at once.
    void this.client.markRead(open.id).then(
      () => {
        this.markingRead = false;
        this.markOpenRead();
      },
      () => {
        this.markingRead = false;
      },
    );
  }

  /** Open a conversation (or none): its latest page is read, then kept up to date by events. */
  open(groupId: string | undefined): void {
    this.dispatch({ type: 'open', groupId });
    this.markOpenRead();
    if (groupId !== undefined)
      void this.read(async () => {
        const page = await this.client.history(groupId, { limit: HISTORY_PAGE });
        return { type: 'history', groupId, messages: page.messages, earlier: page.earlier };
      });
  }

  /** Read the page of history before the ones shown (once at a time). */
  loadEarlier(): void {
    const { openId: groupId, earlier: before, loading, loadingEarlier } = this.snapshot;
    if (groupId === undefined || before === undefined || loading || loadingEarlier) return;
    this.dispatch({ type: 'loadingEarlier', groupId });
    void this.read(async () => {
      // A failed read ends the loading with nothing added: the person can ask again.
      const page = await this.client
        .history(groupId, { before, limit: HISTORY_PAGE })
        .catch(() => ({ messages: [], earlier: before }));
      return { type: 'earlier', groupId, before, messages: page.messages, earlier: page.earlier };
    });
  }

  /** The page became visible or hidden: visible again marks the open conversation read. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.markOpenRead();
  }

  send(groupId: string, text: string): Promise<void> {
    return this.queue(groupId, text, undefined);
  }

  /** Reply to a message (the reply quotes it). */
  reply(groupId: string, targetId: string, text: string): Promise<void> {
    return this.queue(groupId, text, targetId);
  }

  /** Queue a text (a reply to `replyTo`, if given), shown at once as "sending". */
  private async queue(groupId: string, text: string, replyTo: string | undefined): Promise<void> {
    const t = checkText(text);
    if (t.length === 0) return;
    // Shown at once as "sending": the client's work queue can be busy (waiting for the connection).
    const target = replyTo === undefined ? undefined : this.snapshot.history.find((m) => m.id === replyTo);
    const placeholder: ChatMessage = {
      groupId,
      seq: 0,
      id: `local-${++this.localCounter}`,
      from: { accountId: this.client.accountId, deviceId: this.client.deviceId },
      sentAt: Date.now(),
      text: t,
      status: 'sending',
      ...(replyTo === undefined ? {} : { replyTo: target === undefined ? { id: replyTo } : quoteOf(target) }),
    };
    this.dispatch({ type: 'sending', message: placeholder });
    try {
      const message =
        replyTo === undefined
          ? await this.client.sendText(groupId, t)
          : await this.client.reply(groupId, replyTo, t);
      this.dispatch({ type: 'queued', groupId, localId: placeholder.id, message });
    } catch (e) {
      this.dispatch({ type: 'unsent', groupId, localId: placeholder.id });
      throw e;
    }
  }

  /**
   * Send a file (a reply to `replyTo`, if given): refused in words before any byte moves when it
   * does not fit the server's limits; its progress shows until its message is queued. A cancelled
   * upload resolves quietly.
   */
  async sendFile(groupId: string, file: File, replyTo?: string): Promise<void> {
    const notSent = (e: unknown) => notSentError(file.name, e);
    const usage = await this.client.files.usage().catch((e: unknown) => {
      throw notSent(e);
    });
    const problem = roomProblem(usage, file);
    if (problem !== undefined) throw new Error(problem);
    const about = await describeFile(file);
    const id = `upload-${++this.localCounter}`;
    const controller = new AbortController();
    this.uploads.set(id, controller);
    const upload = { id, groupId, name: about.name, done: 0, total: file.size };
    this.dispatch({ type: 'upload', upload });
    let shown = 0;
    const onProgress = (done: number, total: number) => {
      // One update per percent: a large file reports progress many times a second.
      const percent = Math.floor((100 * done) / Math.max(1, total));
      if (!this.uploads.has(id) || percent === shown) return;
      shown = percent;
      this.dispatch({ type: 'upload', upload: { ...upload, done, total } });
    };
    try {
      const message = await this.client.files.send(
        groupId,
        blobSource(file),
        { ...about, ...(replyTo !== undefined ? { replyTo } : {}) },
        { onProgress, signal: controller.signal },
      );
      this.dispatch({ type: 'uploaded', groupId, id, message });
      this.conversationsChanged();
    } catch (e) {
      this.dispatch({ type: 'uploaded', groupId, id });
      if (controller.signal.aborted) return;
      throw notSent(e);
    } finally {
      this.uploads.delete(id);
    }
  }

  /** Stop sending a file (its uploaded bytes are deleted from the server). */
  cancelUpload(id: string): void {
    this.uploads.get(id)?.abort();
  }

  /** A message's file fetched, checked and decrypted (its type as the sender claimed: see files.ts). */
  fetchFile(file: AttachmentInfo, options: TransferOptions): Promise<Blob> {
    return attachmentBlob(this.client.files, file, options);
  }

  /** React with an emoji, or take that reaction back (the change arrives as `message_updated`). */
  react(groupId: string, targetId: string, emoji: string): Promise<void> {
    return this.client.react(groupId, targetId, emoji);
  }

  /** Change the text of one of the person's messages. */
  async edit(groupId: string, targetId: string, text: string): Promise<void> {
    const t = checkText(text);
    if (t !== '') await this.client.edit(groupId, targetId, t);
  }

  /** Delete one of the person's messages for everyone. */
  deleteMessage(groupId: string, targetId: string): Promise<void> {
    return this.client.deleteMessage(groupId, targetId);
  }

  setTyping(groupId: string, typing: boolean): void {
    void this.client.setTyping(groupId, typing);
  }

  /** The one-to-one conversation with someone, started (post-quantum if asked) if there is none. */
  async direct(accountId: string, options?: NewConversation): Promise<string> {
    const id = await this.client.directConversation(accountId, options);
    this.conversationsChanged();
    return id;
  }

  async createGroup(name: string, accountIds: string[], options?: NewConversation): Promise<string> {
    const groupName = checkGroupName(name);
    checkPeopleCount(accountIds);
    const id = await this.client.createGroup(groupName, accountIds, options);
    this.conversationsChanged();
    return id;
  }

  async rename(groupId: string, name: string): Promise<void> {
    await this.client.rename(groupId, checkGroupName(name));
    this.conversationsChanged();
  }

  /** Set a conversation's disappearing-messages timer (seconds; 0: off). */
  async setTimer(groupId: string, seconds: number): Promise<void> {
    await this.client.setTimer(groupId, seconds);
    this.conversationsChanged();
  }

  /** Search the history on this device; the results show until cleared (or a result is opened). */
  search(words: string): Promise<void> {
    return this.read(async () => ({
      type: 'searched',
      search: { query: words.trim(), results: await this.client.search(words) },
    }));
  }

  /** Open the conversation of a search result; the results close. */
  openResult(result: SearchResult): void {
    this.dispatch({ type: 'searched', search: undefined });
    this.open(result.conversation);
  }

  clearSearch(): void {
    this.dispatch({ type: 'searched', search: undefined });
  }

  async addMembers(groupId: string, accountIds: string[]): Promise<void> {
    checkPeopleCount(accountIds);
    await this.client.addMembers(groupId, accountIds);
    this.conversationsChanged();
  }

  async removeMember(groupId: string, accountId: string): Promise<void> {
    await this.client.removeMember(groupId, accountId);
    this.conversationsChanged();
  }

  async leave(groupId: string): Promise<void> {
    await this.client.leave(groupId);
    this.conversationsChanged();
  }

  async acceptIdentityChange(accountId: string): Promise<void> {
    await this.client.acknowledgeIdentityChange(accountId);
    this.presented.delete(accountId);
    await Promise.all([this.readIdentityChanges(), this.readVerified()]);
  }

  async markVerified(accountId: string): Promise<void> {
    await this.client.markVerified(accountId);
    await this.readVerified();
  }

  /** The safety number with a contact's pinned key, and whether they are verified. */
  async safetyNumber(accountId: string): Promise<{ number: SafetyNumber; verified: boolean } | undefined> {
    const number = await this.client.safetyNumberWith(accountId);
    if (number === undefined) return undefined;
    return { number, verified: (await this.client.contact(accountId))?.verified === true };
  }

  /** The safety number with the new key a contact presented (known when it was seen this session). */
  newSafetyNumber(accountId: string): SafetyNumber | undefined {
    const key = this.presented.get(accountId);
    if (key === undefined) return undefined;
    return safetyNumber(
      { accountId: this.client.accountId, identityKey: this.identityKey },
      { accountId, identityKey: key },
    );
  }

  /**
   * Block an account: its later messages are dropped, those shown are hidden, and a one-to-one
   * chat with it leaves the list (closed if it was open).
   */
  async block(accountId: string): Promise<void> {
    await this.client.block(accountId);
    this.dispatch({ type: 'blocked', accounts: this.client.blocked() });
    this.conversationsChanged();
    const openId = this.snapshot.openId;
    if (openId !== undefined && !this.snapshot.conversations.some((c) => c.id === openId))
      this.open(undefined);
  }

  readonly unblock = async (accountId: string): Promise<void> => {
    await this.client.unblock(accountId);
    this.dispatch({ type: 'blocked', accounts: this.client.blocked() });
    this.conversationsChanged();
  };

  /** Reveal one received message and a reason to the server's operator; resolves with the report's id. */
  report(groupId: string, messageId: string, reason: string): Promise<string> {
    return this.client.report(groupId, messageId, reason);
  }

  /** The person's history on this device, decrypted, and as a web page (offered in the Privacy dialog). */
  readonly exportHistory = async (): Promise<{ data: HistoryExport; html: string }> => {
    const data = await this.client.exportHistory();
    return { data, html: historyHtml(data) };
  };

  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
