/**
 * The chat screen's state as a value, and the pure reducer that applies each SDK event (a message,
 * a status change, typing, presence, a conversation change) or person's action to it. Only the
 * open conversation's latest page of history is read when it opens; events then update it in
 * place, and each earlier page is read when the person asks for it.
 */
import {
  type ChatMessage,
  type ConnectionState,
  type ConversationSummary,
  HISTORY_PAGE_SIZE,
  type MessageStatus,
  quoteOf,
  type SearchResult,
} from '@parley/client';

export type Conversation = ConversationSummary;

/** How many stored messages a page of history holds (read on opening; each "load earlier" adds one). */
export const HISTORY_PAGE = HISTORY_PAGE_SIZE;
/** People added (or a group started) at once, at most: more is surely a slip of the paste. */
export const MAX_PEOPLE_AT_ONCE = 100;

/** A file being sent (its bytes uploading), shown with its progress until its message is queued. */
export interface Upload {
  id: string;
  groupId: string;
  name: string;
  /** Bytes uploaded so far, of `total`. */
  done: number;
  total: number;
}

/** A status change for a message this page does not hold yet (it is being loaded, or queued). */
interface EarlyStatus {
  status: MessageStatus;
  seq: number;
}

export interface ChatState {
  me: string;
  connection: ConnectionState;
  conversations: Conversation[];
  openId: string | undefined;
  /** The open conversation's messages read or received so far, in history order (oldest first). */
  history: readonly ChatMessage[];
  /** The SDK's cursor to the page before those read (undefined: there are no earlier messages). */
  earlier: string | undefined;
  /** The open conversation's latest page is being read. */
  loading: boolean;
  /** The page before is being read. */
  loadingEarlier: boolean;
  /** Status changes that arrived before their message did (keyed by message id). */
  early: ReadonlyMap<string, EarlyStatus>;
  /** Messages the person sent that the client has not queued yet, per conversation. */
  sending: ReadonlyMap<string, readonly ChatMessage[]>;
  /** Files being sent, per conversation. */
  uploads: ReadonlyMap<string, readonly Upload[]>;
  /** Contacts whose identity key changed, waiting for the person's decision. */
  identityChanges: string[];
  /** Who the server last said is online (whatever the connection). */
  presence: ReadonlySet<string>;
  /** Who to show as online: stale presence while disconnected is shown as unknown. */
  online: ReadonlySet<string>;
  /** Who is typing, per conversation (sorted). */
  typing: ReadonlyMap<string, string[]>;
  /** Verified contacts. */
  verified: ReadonlySet<string>;
  /** Accounts the person blocked: their messages are not shown. */
  blocked: ReadonlySet<string>;
  /** Messages that could not be decrypted (or were missed while rejoining), per conversation. */
  undecryptable: ReadonlyMap<string, number>;
  /** System lines per conversation from this session: who broke it and that it was repaired. */
  repairs: ReadonlyMap<string, readonly string[]>;
  /** The code of the last failed catch-up, until a sync goes through (it is being tried again). */
  syncError: string | undefined;
  /** The last search of the person's history and what it found, while shown. */
  search: { query: string; results: readonly SearchResult[] } | undefined;
}

export type ChatEvent =
  | { type: 'connection'; state: ConnectionState; presence: readonly string[] }
  | { type: 'conversations'; conversations: Conversation[] }
  | { type: 'open'; groupId: string | undefined }
  /** The latest page; `earlier` is the cursor to the page before it (none: there is nothing before). */
  | { type: 'history'; groupId: string; messages: readonly ChatMessage[]; earlier?: string | undefined }
  | { type: 'loadingEarlier'; groupId: string }
  /** The page read before the cursor `before` (nothing, with the same cursor, when the read failed). */
  | {
      type: 'earlier';
      groupId: string;
      before: string;
      messages: readonly ChatMessage[];
      earlier: string | undefined;
    }
  | { type: 'message'; message: ChatMessage }
  /** A message shown changed: a reaction, an edit, a delete (replies quoting it follow). */
  | { type: 'updated'; message: ChatMessage }
  /** A disappearing message's time was up: it is gone (and so are the results that found it). */
  | { type: 'expired'; groupId: string; id: string }
  /** A search's results; none (undefined) closes them. */
  | { type: 'searched'; search: { query: string; results: readonly SearchResult[] } | undefined }
  | { type: 'status'; groupId: string; id: string; status: MessageStatus; seq: number }
  | { type: 'sending'; message: ChatMessage }
  | { type: 'queued'; groupId: string; localId: string; message: ChatMessage }
  | { type: 'unsent'; groupId: string; localId: string }
  /** A file started uploading, or got further. */
  | { type: 'upload'; upload: Upload }
  /** A file's upload ended: with its message (queued), or without (failed or cancelled). */
  | { type: 'uploaded'; groupId: string; id: string; message?: ChatMessage }
  | { type: 'typing'; groupId: string; accountId: string; typing: boolean }
  | { type: 'presence'; accountId: string; online: boolean }
  | { type: 'undecryptable'; groupId: string; count: number }
  | { type: 'repaired'; groupId: string; text: string }
  | { type: 'sync'; error: string | undefined }
  | { type: 'identityChanges'; accounts: string[] }
  | { type: 'verified'; accounts: string[] }
  | { type: 'blocked'; accounts: string[] };

const NOBODY: ReadonlySet<string> = new Set();

export function initialChatState(me: string, connection: ConnectionState): ChatState {
  return {
    me,
    connection,
    conversations: [],
    openId: undefined,
    history: [],
    earlier: undefined,
    loading: false,
    loadingEarlier: false,
    early: new Map(),
    sending: new Map(),
    uploads: new Map(),
    identityChanges: [],
    presence: NOBODY,
    online: NOBODY,
    typing: new Map(),
    verified: NOBODY,
    blocked: NOBODY,
    undecryptable: new Map(),
    repairs: new Map(),
    syncError: undefined,
    search: undefined,
  };
}

/** The open conversation's messages shown, and whether earlier ones can be read (or are being read). */
export function shownMessages(s: ChatState): {
  messages: readonly ChatMessage[];
  more: boolean;
  loadingEarlier: boolean;
} {
  // A blocked account's messages read before it was blocked are not shown either.
  const messages =
    s.blocked.size === 0 ? s.history : s.history.filter((m) => !s.blocked.has(m.from.accountId));
  return { messages, more: s.earlier !== undefined, loadingEarlier: s.loadingEarlier };
}

/** A conversation with nobody else and nothing in it (its creation failed half-way) is noise. */
export function listedConversations(all: readonly Conversation[]): Conversation[] {
  return all.filter((c) => c.members.length > 1 || c.last !== undefined || c.ended);
}

/** How far a message got; a status never goes back (events can arrive after a fresher read). */
const RANK: Record<MessageStatus, number> = {
  sending: 0,
  failed: 1,
  sent: 1,
  delivered: 2,
  read: 3,
  received: 0,
};

/** Sent messages by log position, then those not in the log yet, each group in arrival order. */
function position(m: ChatMessage): number {
  return m.seq > 0 ? m.seq : Number.POSITIVE_INFINITY;
}

/** `m` merged with what is already known of the same message (the furthest status wins). */
function merged(known: ChatMessage | undefined, m: ChatMessage): ChatMessage {
  if (known === undefined) return m;
  const newer = RANK[m.status] >= RANK[known.status] ? m : known;
  return { ...known, ...newer, seq: Math.max(known.seq, m.seq) };
}

/** Apply a status that arrived before its message. */
function withEarly(m: ChatMessage, early: ReadonlyMap<string, EarlyStatus>): ChatMessage {
  const e = early.get(m.id);
  return e === undefined ? m : merged(m, { ...m, status: e.status, seq: e.seq });
}

/** `history` with `m` added or merged into the same message, kept in history order. */
function upsert(history: readonly ChatMessage[], m: ChatMessage): ChatMessage[] {
  const i = history.findIndex((x) => x.id === m.id);
  const list = [...history];
  if (i < 0) return insertOrdered(list, m);
  const next = merged(history[i], m);
  list.splice(i, 1);
  if (next.seq !== history[i]!.seq) return insertOrdered(list, next);
  list.splice(i, 0, next);
  return list;
}

/** An earlier page added to the history: merged in order with what is known, each message once. */
function withEarlierPage(s: ChatState, page: readonly ChatMessage[]): ChatState {
  const known = new Set(s.history.map((m) => m.id));
  const fresh = page.filter((m) => !known.has(m.id)).map((m) => withEarly(m, s.early));
  const history: ChatMessage[] = [];
  let i = 0;
  for (const m of s.history) {
    while (i < fresh.length && position(fresh[i]!) < position(m)) history.push(fresh[i++]!);
    history.push(m);
  }
  history.push(...fresh.slice(i));
  const read = new Set(fresh.map((m) => m.id));
  let next: ChatState = { ...s, history, early: new Map([...s.early].filter(([id]) => !read.has(id))) };
  for (const m of page) if (known.has(m.id)) next = addToOpen(next, m);
  return next;
}

function insertOrdered(list: ChatMessage[], m: ChatMessage): ChatMessage[] {
  const p = position(m);
  let at = list.length;
  while (at > 0 && position(list[at - 1]!) > p) at--;
  list.splice(at, 0, m);
  return list;
}

/** A message added to (or changed in) the open conversation. */
function addToOpen(s: ChatState, m: ChatMessage): ChatState {
  return { ...s, history: upsert(s.history, withEarly(m, s.early)), early: dropKey(s.early, m.id) };
}

/** Messages read from the store merged with what events brought meanwhile (it may hold some). */
function withRead(s: ChatState, read: readonly ChatMessage[], known: readonly ChatMessage[]): ChatState {
  let next: ChatState = { ...s, history: read.map((m) => withEarly(m, s.early)) };
  for (const m of known) next = addToOpen(next, m);
  // Statuses of messages not read yet (or still on their way to the outbox) wait for them.
  const early = new Map([...s.early].filter(([id]) => !next.history.some((m) => m.id === id)));
  return { ...next, early };
}

function dropKey<V>(map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  if (!map.has(key)) return map;
  const next = new Map(map);
  next.delete(key);
  return next;
}

function setKey<V>(map: ReadonlyMap<string, V>, key: string, value: V | undefined): ReadonlyMap<string, V> {
  const next = new Map(map);
  if (value === undefined) next.delete(key);
  else next.set(key, value);
  return next;
}

function typingOf(s: ChatState, groupId: string, accountId: string, typing: boolean): ChatState {
  const now = s.typing.get(groupId) ?? [];
  if (now.includes(accountId) === typing || accountId === s.me) return s;
  const who = typing ? [...now, accountId].sort() : now.filter((a) => a !== accountId);
  return { ...s, typing: setKey(s.typing, groupId, who.length > 0 ? who : undefined) };
}

function withoutLocal(s: ChatState, groupId: string, localId: string): ChatState {
  const mine = (s.sending.get(groupId) ?? []).filter((m) => m.id !== localId);
  const sending = setKey(s.sending, groupId, mine.length > 0 ? mine : undefined);
  if (s.openId !== groupId) return { ...s, sending };
  return { ...s, sending, history: s.history.filter((m) => m.id !== localId) };
}

/** A changed message in the history (its status never goes back), and the quotes of it in replies. */
function updated(s: ChatState, m: ChatMessage): ChatState {
  if (!s.history.some((x) => x.id === m.id || x.replyTo?.id === m.id)) return s;
  const history = s.history.map((x) => {
    if (x.id === m.id)
      return {
        ...m,
        status: RANK[m.status] >= RANK[x.status] ? m.status : x.status,
        seq: Math.max(x.seq, m.seq),
      };
    return x.replyTo?.id === m.id ? { ...x, replyTo: quoteOf(m) } : x;
  });
  return { ...s, history };
}

/** An upload added, or its progress replaced. */
function withUpload(s: ChatState, u: Upload): ChatState {
  const now = s.uploads.get(u.groupId) ?? [];
  const list = now.some((x) => x.id === u.id) ? now.map((x) => (x.id === u.id ? u : x)) : [...now, u];
  return { ...s, uploads: setKey(s.uploads, u.groupId, list) };
}

function visibleOnline(connection: ConnectionState, presence: ReadonlySet<string>): ReadonlySet<string> {
  return connection === 'online' ? presence : NOBODY;
}

/** A message gone (its time was up): out of the open history and of the search results. */
function expired(s: ChatState, groupId: string, id: string): ChatState {
  const history = s.history.filter((m) => m.id !== id);
  const results = s.search?.results.filter((r) => !(r.groupId === groupId && r.id === id));
  const search = s.search === undefined || results === undefined ? s.search : { ...s.search, results };
  return { ...s, history, search };
}

/** The state after one event (pure: the same state and event always give the same state). */
export function chatReducer(s: ChatState, e: ChatEvent): ChatState {
  switch (e.type) {
    case 'connection': {
      const presence = new Set(e.presence);
      return { ...s, connection: e.state, presence, online: visibleOnline(e.state, presence) };
    }
    case 'presence': {
      if (s.presence.has(e.accountId) === e.online) return s;
      const presence = new Set(s.presence);
      if (e.online) presence.add(e.accountId);
      else presence.delete(e.accountId);
      return { ...s, presence, online: visibleOnline(s.connection, presence) };
    }
    case 'conversations':
      return { ...s, conversations: listedConversations(e.conversations) };
    case 'open':
      return {
        ...s,
        openId: e.groupId,
        history: e.groupId === undefined ? [] : [...(s.sending.get(e.groupId) ?? [])],
        earlier: undefined,
        loading: e.groupId !== undefined,
        loadingEarlier: false,
        early: new Map(),
      };
    case 'history':
      if (e.groupId !== s.openId) return s;
      return { ...withRead(s, e.messages, s.history), earlier: e.earlier, loading: false };
    case 'loadingEarlier':
      if (e.groupId !== s.openId || s.loading || s.loadingEarlier || s.earlier === undefined) return s;
      return { ...s, loadingEarlier: true };
    case 'earlier':
      // A page for another conversation, or one read already, changes nothing.
      if (e.groupId !== s.openId || e.before !== s.earlier) return s;
      return { ...withEarlierPage(s, e.messages), earlier: e.earlier, loadingEarlier: false };
    case 'message': {
      const m = e.message;
      const after = typingOf(s, m.groupId, m.from.accountId, false);
      return m.groupId === after.openId ? addToOpen(after, m) : after;
    }
    case 'updated':
      return updated(s, e.message);
    case 'expired':
      return expired(s, e.groupId, e.id);
    case 'searched':
      return { ...s, search: e.search };
    case 'status': {
      if (e.groupId !== s.openId) return s;
      const known = s.history.find((m) => m.id === e.id);
      if (known !== undefined) return addToOpen(s, { ...known, status: e.status, seq: e.seq });
      const before = s.early.get(e.id);
      if (before !== undefined && RANK[before.status] > RANK[e.status]) return s;
      return { ...s, early: setKey(s.early, e.id, { status: e.status, seq: e.seq }) };
    }
    case 'sending': {
      const m = e.message;
      const sending = setKey(s.sending, m.groupId, [...(s.sending.get(m.groupId) ?? []), m]);
      const next = { ...s, sending };
      return m.groupId === s.openId ? addToOpen(next, m) : next;
    }
    case 'queued': {
      const next = withoutLocal(s, e.groupId, e.localId);
      return e.groupId === next.openId ? addToOpen(next, e.message) : next;
    }
    case 'unsent':
      return withoutLocal(s, e.groupId, e.localId);
    case 'upload':
      return withUpload(s, e.upload);
    case 'uploaded': {
      const left = (s.uploads.get(e.groupId) ?? []).filter((u) => u.id !== e.id);
      const next = { ...s, uploads: setKey(s.uploads, e.groupId, left.length > 0 ? left : undefined) };
      return e.message !== undefined && e.groupId === next.openId ? addToOpen(next, e.message) : next;
    }
    case 'typing':
      return typingOf(s, e.groupId, e.accountId, e.typing);
    case 'sync':
      return s.syncError === e.error ? s : { ...s, syncError: e.error };
    case 'undecryptable':
      if (e.count <= 0) return s;
      return {
        ...s,
        undecryptable: setKey(s.undecryptable, e.groupId, (s.undecryptable.get(e.groupId) ?? 0) + e.count),
      };
    case 'repaired':
      return { ...s, repairs: setKey(s.repairs, e.groupId, [...(s.repairs.get(e.groupId) ?? []), e.text]) };
    case 'identityChanges':
      return { ...s, identityChanges: e.accounts };
    case 'verified':
      return { ...s, verified: new Set(e.accounts) };
    case 'blocked':
      return { ...s, blocked: new Set(e.accounts) };
  }
}
