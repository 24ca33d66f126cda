/**
 * The app's view of one signed-in ParleyClient: a snapshot (conversations, connection, open
 * conversation's messages, identity changes) rebuilt when the client reports something, for React's
 * useSyncExternalStore. All data work happens here; components only render snapshots.
 */
import type { ChatMessage, ConnectionState, ParleyClient } from '@parley/client';
import { type SafetyNumber, safetyNumber } from '@parley/core';

export interface Conversation {
  id: string;
  name: string | null;
  members: string[];
  direct: boolean;
  unread: number;
  last: ChatMessage | undefined;
  epoch: bigint | undefined;
}

export interface ChatSnapshot {
  me: string;
  connection: ConnectionState;
  conversations: Conversation[];
  openId: string | undefined;
  messages: ChatMessage[];
  /** Contacts whose identity key changed, waiting for the person's decision. */
  identityChanges: string[];
  online: ReadonlySet<string>;
  /** Who is typing, per conversation. */
  typing: ReadonlyMap<string, string[]>;
  /** Verified contacts. */
  verified: ReadonlySet<string>;
  /** Messages that could not be decrypted, per conversation. */
  undecryptable: ReadonlyMap<string, number>;
}

export const MAX_MESSAGE_CHARS = 4000;
export const MAX_GROUP_NAME_CHARS = 64;

export class ChatModel {
  private snapshot: ChatSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly unread = new Map<string, number>();
  private readonly undecryptable = new Map<string, number>();
  private readonly unsubscribe: Array<() => void> = [];
  /** Messages sent from this page and not yet in the history (still in the outbox), per conversation. */
  private readonly outgoing = new Map<string, ChatMessage[]>();
  /** New identity keys presented by contacts this session (to compare before accepting). */
  private readonly presented = new Map<string, Uint8Array>();
  private refreshing: Promise<void> = Promise.resolve();
  private closed = false;
  /** Called for each new message from someone else (notifications). */
  onIncoming: ((m: ChatMessage, conversation: Conversation | undefined) => void) | undefined;

  constructor(
    readonly client: ParleyClient,
    private readonly identityKey: Uint8Array,
  ) {
    this.snapshot = {
      me: client.accountId,
      connection: client.connection.state,
      conversations: [],
      openId: undefined,
      messages: [],
      identityChanges: [],
      online: new Set(),
      typing: new Map(),
      verified: new Set(),
      undecryptable: new Map(),
    };
    this.unsubscribe.push(
      client.on('message', (m) => {
        if (m.from.accountId !== client.accountId && m.groupId !== this.snapshot.openId)
          this.unread.set(m.groupId, (this.unread.get(m.groupId) ?? 0) + 1);
        void this.refresh().then(() => {
          if (m.from.accountId !== client.accountId)
            this.onIncoming?.(
              m,
              this.snapshot.conversations.find((c) => c.id === m.groupId),
            );
        });
      }),
      client.on('joined', () => void this.refresh()),
      client.on('identity_changed', (c) => {
        this.presented.set(c.accountId, c.presentedKey);
        void this.refresh();
      }),
      client.on('undecryptable', (u) => {
        this.undecryptable.set(u.groupId, (this.undecryptable.get(u.groupId) ?? 0) + 1);
        void this.refresh();
      }),
      client.connection.onState((connection) => {
        this.set({ connection });
        if (connection === 'online') void this.refresh();
      }),
    );
    void this.refresh();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ChatSnapshot => this.snapshot;

  private set(patch: Partial<ChatSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const l of this.listeners) l();
  }

  /** Rebuild the snapshot from the client (serialised, so answers never arrive out of order). */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.rebuild()).catch(() => {});
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    if (this.closed) return;
    const c = this.client;
    const conversations: Conversation[] = [];
    for (const id of c.conversations()) {
      const members = c.members(id);
      const history = await c.history(id);
      // A conversation with nobody else and nothing in it (its creation failed half-way) is noise.
      if (members.length <= 1 && history.length === 0) continue;
      conversations.push({
        id,
        name: null,
        members,
        direct: members.length === 2,
        unread: this.unread.get(id) ?? 0,
        last: history.at(-1),
        epoch: undefined,
      });
    }
    conversations.sort((a, b) => (b.last?.sentAt ?? 0) - (a.last?.sentAt ?? 0));
    const openId = this.snapshot.openId;
    const messages = openId === undefined ? [] : this.withOutgoing(openId, await c.history(openId));
    const identityChanges = await c.pendingIdentityChanges();
    const verified = new Set<string>();
    const everyone = new Set(conversations.flatMap((x) => x.members));
    for (const accountId of everyone) if ((await c.contact(accountId))?.verified) verified.add(accountId);
    if (this.closed) return;
    this.set({
      conversations,
      messages,
      identityChanges,
      verified,
      undecryptable: new Map(this.undecryptable),
      connection: c.connection.state,
    });
  }

  /** History plus what is still waiting to be sent (shown with the "sending" status). */
  private withOutgoing(groupId: string, history: ChatMessage[]): ChatMessage[] {
    const known = new Set(history.map((m) => m.id));
    const waiting = (this.outgoing.get(groupId) ?? []).filter((m) => !known.has(m.id));
    if (waiting.length === 0) this.outgoing.delete(groupId);
    else this.outgoing.set(groupId, waiting);
    return [...history, ...waiting];
  }

  open(groupId: string | undefined): void {
    if (groupId !== undefined) this.unread.delete(groupId);
    this.set({ openId: groupId, messages: [] });
    void this.refresh();
  }

  async send(groupId: string, text: string): Promise<void> {
    const t = text.trim();
    if (t.length === 0) return;
    if (t.length > MAX_MESSAGE_CHARS)
      throw new Error(`Messages are at most ${MAX_MESSAGE_CHARS} characters.`);
    const queued = await this.client.sendText(groupId, t);
    this.outgoing.set(groupId, [...(this.outgoing.get(groupId) ?? []), queued]);
    await this.refresh();
  }

  setTyping(_groupId: string, _typing: boolean): void {}

  /** The one-to-one conversation with someone, started if there is none. */
  async direct(accountId: string): Promise<string> {
    const existing = this.client.conversationWith(accountId);
    const id = existing ?? (await this.client.createConversation([accountId]));
    await this.refresh();
    return id;
  }

  async createGroup(name: string, accountIds: string[]): Promise<string> {
    void name;
    const id = await this.client.createConversation(accountIds);
    await this.refresh();
    return id;
  }

  async addMembers(groupId: string, accountIds: string[]): Promise<void> {
    await this.client.addMembers(groupId, accountIds);
    await this.refresh();
  }

  async removeMember(groupId: string, accountId: string): Promise<void> {
    await this.client.removeMember(groupId, accountId);
    await this.refresh();
  }

  /** Whether this SDK can leave a group. */
  readonly canLeave: boolean = false;

  async leave(_groupId: string): Promise<void> {}

  async acceptIdentityChange(accountId: string): Promise<void> {
    await this.client.acknowledgeIdentityChange(accountId);
    this.presented.delete(accountId);
    await this.refresh();
  }

  async markVerified(accountId: string): Promise<void> {
    await this.client.markVerified(accountId);
    await this.refresh();
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

  close(): void {
    this.closed = true;
    for (const u of this.unsubscribe.splice(0)) u();
  }
}
