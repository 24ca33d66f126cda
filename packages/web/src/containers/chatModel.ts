/**
 * The app's view of one signed-in ParleyClient: a snapshot (conversations, connection, the open
 * conversation's messages, typing, presence, identity changes) rebuilt when the client reports
 * something, for React's useSyncExternalStore. All data work happens here; components only render
 * snapshots.
 */
import {
  type ChatMessage,
  type ConnectionState,
  type ConversationSummary,
  type ParleyClient,
  TYPING_TTL_MS,
} from '@parley/client';
import { type SafetyNumber, safetyNumber } from '@parley/core';

export type Conversation = ConversationSummary;

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
  /** Messages that could not be decrypted (or were missed while rejoining), per conversation. */
  undecryptable: ReadonlyMap<string, number>;
}

export const MAX_MESSAGE_CHARS = 4000;
export const MAX_GROUP_NAME_CHARS = 64;

export class ChatModel {
  private snapshot: ChatSnapshot;
  private readonly listeners = new Set<() => void>();
  private readonly undecryptable = new Map<string, number>();
  /** groupId → accountId → when the indicator expires. */
  private readonly typing = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  private readonly unsubscribe: Array<() => void> = [];
  /** New identity keys presented by contacts this session (to compare before accepting). */
  private readonly presented = new Map<string, Uint8Array>();
  private refreshing: Promise<void> = Promise.resolve();
  private closed = false;
  /**
   * Messages the person just sent that the client has not queued yet (its work queue can be busy,
   * e.g. waiting for the connection): shown at once as "sending", per conversation.
   */
  private readonly optimistic = new Map<string, ChatMessage[]>();
  private localCounter = 0;
  /** Whether the person can see the page (read receipts are sent only then). */
  private visible = true;
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
    const refresh = () => void this.refresh();
    this.unsubscribe.push(
      client.on('message', (m) => {
        this.setTypingOf(m.groupId, m.from.accountId, false);
        void this.refresh().then(() => {
          if (m.from.accountId !== client.accountId)
            this.onIncoming?.(
              m,
              this.snapshot.conversations.find((c) => c.id === m.groupId),
            );
        });
      }),
      client.on('message_status', refresh),
      client.on('conversation', refresh),
      client.on('joined', refresh),
      client.on('removed', refresh),
      client.on('presence', refresh),
      client.on('typing', (t) => {
        if (t.accountId !== client.accountId) this.setTypingOf(t.groupId, t.accountId, t.typing);
      }),
      client.on('identity_changed', (c) => {
        this.presented.set(c.accountId, c.presentedKey);
        refresh();
      }),
      client.on('undecryptable', (u) => this.countUnreadable(u.groupId, 1)),
      client.on('rejoined', (r) => this.countUnreadable(r.groupId, r.missed)),
      client.connection.onState((connection) => {
        this.set({ connection });
        refresh();
      }),
    );
    refresh();
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

  private countUnreadable(groupId: string, n: number): void {
    if (n <= 0) return;
    this.undecryptable.set(groupId, (this.undecryptable.get(groupId) ?? 0) + n);
    this.set({ undecryptable: new Map(this.undecryptable) });
  }

  private setTypingOf(groupId: string, accountId: string, typing: boolean): void {
    let inGroup = this.typing.get(groupId);
    const existing = inGroup?.get(accountId);
    if (existing !== undefined) clearTimeout(existing);
    if (typing) {
      if (inGroup === undefined) {
        inGroup = new Map();
        this.typing.set(groupId, inGroup);
      }
      // An indicator not repeated in time expires (the typist went away without saying so).
      inGroup.set(
        accountId,
        setTimeout(() => this.setTypingOf(groupId, accountId, false), TYPING_TTL_MS),
      );
    } else if (existing === undefined) return;
    else inGroup?.delete(accountId);
    const view = new Map<string, string[]>();
    for (const [g, who] of this.typing) if (who.size > 0) view.set(g, [...who.keys()].sort());
    this.set({ typing: view });
  }

  /** Rebuild the snapshot from the client (serialised, so answers never arrive out of order). */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.rebuild()).catch(() => {});
    return this.refreshing;
  }

  private async rebuild(): Promise<void> {
    if (this.closed) return;
    const c = this.client;
    // A conversation with nobody else and nothing in it (its creation failed half-way) is noise.
    const conversations = c
      .conversationList()
      .filter((x) => x.members.length > 1 || x.last !== undefined || x.ended);
    const openId = this.snapshot.openId;
    const open = conversations.find((x) => x.id === openId);
    if (open !== undefined && open.unread > 0 && this.visible) await c.markRead(open.id).catch(() => {});
    const messages =
      openId === undefined ? [] : [...(await c.history(openId)), ...(this.optimistic.get(openId) ?? [])];
    const identityChanges = await c.pendingIdentityChanges();
    const verified = new Set<string>();
    for (const accountId of c.contacts()) if ((await c.contact(accountId))?.verified) verified.add(accountId);
    if (this.closed) return;
    this.set({
      conversations: c.conversationList().filter((x) => conversations.some((y) => y.id === x.id)),
      messages,
      identityChanges,
      verified,
      // Presence is what the server last said: stale while disconnected, so shown as unknown.
      online: new Set(c.connection.state === 'online' ? c.online() : []),
      connection: c.connection.state,
    });
  }

  open(groupId: string | undefined): void {
    this.set({ openId: groupId, messages: [] });
    void this.refresh();
  }

  /** The page became visible or hidden: visible again marks the open conversation read. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) void this.refresh();
  }

  async send(groupId: string, text: string): Promise<void> {
    const t = text.trim();
    if (t.length === 0) return;
    if (t.length > MAX_MESSAGE_CHARS)
      throw new Error(`Messages are at most ${MAX_MESSAGE_CHARS} characters.`);
    const placeholder: ChatMessage = {
      groupId,
      seq: 0,
      id: `local-${++this.localCounter}`,
      from: { accountId: this.client.accountId, deviceId: this.client.deviceId },
      sentAt: Date.now(),
      text: t,
      status: 'sending',
    };
    const mine = () => this.optimistic.get(groupId) ?? [];
    this.optimistic.set(groupId, [...mine(), placeholder]);
    if (this.snapshot.openId === groupId) this.set({ messages: [...this.snapshot.messages, placeholder] });
    try {
      await this.client.sendText(groupId, t);
    } finally {
      this.optimistic.set(
        groupId,
        mine().filter((m) => m !== placeholder),
      );
      await this.refresh();
    }
  }

  setTyping(groupId: string, typing: boolean): void {
    void this.client.setTyping(groupId, typing);
  }

  /** The one-to-one conversation with someone, started if there is none. */
  async direct(accountId: string): Promise<string> {
    const id = await this.client.directConversation(accountId);
    await this.refresh();
    return id;
  }

  async createGroup(name: string, accountIds: string[]): Promise<string> {
    const id = await this.client.createGroup(name, accountIds);
    await this.refresh();
    return id;
  }

  async rename(groupId: string, name: string): Promise<void> {
    const n = name.trim();
    if (n.length === 0 || n.length > MAX_GROUP_NAME_CHARS)
      throw new Error(`Group names are 1 to ${MAX_GROUP_NAME_CHARS} characters.`);
    await this.client.rename(groupId, n);
    await this.refresh();
  }

  async addMembers(groupId: string, accountIds: string[]): Promise<void> {
    await this.client.addMembers(groupId, accountIds);
    await this.refresh();
  }

  async removeMember(groupId: string, accountId: string): Promise<void> {
    await this.client.removeMember(groupId, accountId);
    await this.refresh();
  }

  async leave(groupId: string): Promise<void> {
    await this.client.leave(groupId);
    await this.refresh();
  }

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
    for (const who of this.typing.values()) for (const t of who.values()) clearTimeout(t);
  }
}
