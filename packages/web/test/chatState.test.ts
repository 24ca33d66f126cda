/**
 * The web app's chat state reducer, as plain values: events from the SDK and the person's actions
 * change the open conversation in place (no history read per event), the history is paged, and
 * statuses only move forward whatever order events and reads arrive in.
 */
import type { ChatMessage, ConversationSummary } from '@parley/client';
import { expect, test } from 'vitest';
import {
  type ChatEvent,
  type ChatState,
  chatReducer,
  HISTORY_PAGE,
  initialChatState,
  listedConversations,
  shownMessages,
} from '../src/containers/chatState.js';

const G = 'aa11';
const H = 'bb22';

function msg(seq: number, over: Partial<ChatMessage> = {}): ChatMessage {
  return {
    groupId: G,
    seq,
    id: `m${seq}`,
    from: { accountId: 'bob', deviceId: 'd1' },
    sentAt: 1_000 + seq,
    text: `message ${seq}`,
    status: 'received',
    ...over,
  };
}

function mine(seq: number, over: Partial<ChatMessage> = {}): ChatMessage {
  return msg(seq, {
    from: { accountId: 'alice', deviceId: 'd0' },
    status: seq > 0 ? 'sent' : 'sending',
    ...over,
  });
}

function run(events: ChatEvent[], from = initialChatState('alice', 'online')): ChatState {
  return events.reduce(chatReducer, from);
}

const ids = (s: ChatState) => s.history.map((m) => m.id);
const shownIds = (s: ChatState) => shownMessages(s).messages.map((m) => m.id);

function opened(messages: ChatMessage[]): ChatState {
  return run([
    { type: 'open', groupId: G },
    { type: 'history', groupId: G, messages },
  ]);
}

/** A conversation's history read as the SDK pages it: the page before `before`, oldest first. */
function pageOf(all: ChatMessage[], before: string | undefined) {
  const end = before === undefined ? all.length : all.findIndex((m) => String(m.seq) === before);
  const start = Math.max(0, end - HISTORY_PAGE);
  return { messages: all.slice(start, end), earlier: start > 0 ? String(all[start]!.seq) : undefined };
}

test('opening shows the latest page; each earlier page read is added above until none is left', () => {
  const all = Array.from({ length: HISTORY_PAGE * 2 + 7 }, (_, i) => msg(i + 1));
  let s = run([{ type: 'open', groupId: G }]);
  expect(s.loading).toBe(true);
  expect(shownMessages(s).more).toBe(false);
  s = chatReducer(s, { type: 'history', groupId: G, ...pageOf(all, undefined) });
  expect(s.loading).toBe(false);
  expect(shownMessages(s).more).toBe(true);
  expect(shownIds(s)).toEqual(all.slice(-HISTORY_PAGE).map((m) => m.id));
  for (const left of [7, 0]) {
    const before = s.earlier!;
    s = chatReducer(s, { type: 'loadingEarlier', groupId: G });
    expect(shownMessages(s).loadingEarlier).toBe(true);
    // Asked again while it is read: still one read.
    expect(chatReducer(s, { type: 'loadingEarlier', groupId: G })).toBe(s);
    s = chatReducer(s, { type: 'earlier', groupId: G, before, ...pageOf(all, before) });
    expect(shownMessages(s).loadingEarlier).toBe(false);
    expect(shownIds(s)).toEqual(all.slice(-(all.length - left)).map((m) => m.id));
    // The same page again (a late answer) changes nothing.
    expect(chatReducer(s, { type: 'earlier', groupId: G, before, ...pageOf(all, before) })).toBe(s);
  }
  expect(shownMessages(s).more).toBe(false);
  expect(chatReducer(s, { type: 'loadingEarlier', groupId: G })).toBe(s);
});

test('a failed read of the page before ends its loading and keeps the cursor to ask again', () => {
  const all = Array.from({ length: HISTORY_PAGE + 3 }, (_, i) => msg(i + 1));
  let s = chatReducer(opened([]), { type: 'history', groupId: G, ...pageOf(all, undefined) });
  const before = s.earlier!;
  s = chatReducer(s, { type: 'loadingEarlier', groupId: G });
  s = chatReducer(s, { type: 'earlier', groupId: G, before, messages: [], earlier: before });
  expect(shownMessages(s)).toMatchObject({ more: true, loadingEarlier: false });
  expect(shownIds(s)).toEqual(all.slice(3).map((m) => m.id));
  // A page read for a conversation closed meanwhile is dropped.
  const other = run(
    [
      { type: 'open', groupId: H },
      { type: 'loadingEarlier', groupId: G },
    ],
    s,
  );
  expect(other.loadingEarlier).toBe(false);
  expect(chatReducer(other, { type: 'earlier', groupId: G, before, ...pageOf(all, before) })).toBe(other);
});

test('an earlier page merges with messages events brought, each once, in log order', () => {
  const all = Array.from({ length: HISTORY_PAGE + 10 }, (_, i) => msg(i + 1));
  // The latest page was read while messages 4 and 5 were still on their way: they came as events.
  const latest = pageOf(all, undefined);
  let s = run([
    { type: 'open', groupId: G },
    { type: 'message', message: msg(5) },
    { type: 'history', groupId: G, ...latest },
    { type: 'message', message: msg(4) },
    { type: 'status', groupId: G, id: 'm3', status: 'read', seq: 3 },
  ]);
  const before = s.earlier!;
  s = chatReducer(s, { type: 'loadingEarlier', groupId: G });
  s = chatReducer(s, { type: 'earlier', groupId: G, before, ...pageOf(all, before) });
  expect(ids(s)).toEqual(all.map((m) => m.id));
  expect(s.history[2]!.status).toBe('read');
  expect(s.early.size).toBe(0);
});

test('a new message is appended to the open conversation and keeps the top of the shown page', () => {
  const all = Array.from({ length: HISTORY_PAGE + 3 }, (_, i) => msg(i + 1));
  const s = chatReducer(opened([]), { type: 'history', groupId: G, ...pageOf(all, undefined) });
  const before = shownIds(s);
  const after = chatReducer(s, { type: 'message', message: msg(HISTORY_PAGE + 4) });
  expect(shownIds(after)).toEqual([...before, `m${HISTORY_PAGE + 4}`]);
  expect(after.earlier).toBe(s.earlier);
  // The same message again (a replay) changes nothing.
  expect(ids(chatReducer(after, { type: 'message', message: msg(HISTORY_PAGE + 4) }))).toEqual(ids(after));
});

test('a message of another conversation does not touch the open one; a late history read is ignored', () => {
  const s = opened([msg(1)]);
  const other = chatReducer(s, { type: 'message', message: msg(2, { groupId: H }) });
  expect(other.history).toBe(s.history);
  const late = chatReducer(run([{ type: 'open', groupId: H }], s), {
    type: 'history',
    groupId: G,
    messages: [msg(1), msg(2)],
  });
  expect(late.openId).toBe(H);
  expect(late.history).toEqual([]);
  expect(run([{ type: 'open', groupId: undefined }], s).history).toEqual([]);
});

test('events that arrive while the history is read are merged with it, without duplicates', () => {
  const s = run([
    { type: 'open', groupId: G },
    { type: 'message', message: msg(3) },
    { type: 'status', groupId: G, id: 'm1', status: 'read', seq: 1 },
    { type: 'history', groupId: G, messages: [mine(1), msg(2), msg(3)] },
  ]);
  expect(ids(s)).toEqual(['m1', 'm2', 'm3']);
  expect(s.history[0]!.status).toBe('read');
  expect(s.early.size).toBe(0);
});

test('an own message: placeholder at once, then the queued message, then its statuses, never backwards', () => {
  let s = opened([msg(1)]);
  s = chatReducer(s, { type: 'sending', message: mine(0, { id: 'local-1', text: 'hi' }) });
  expect(ids(s)).toEqual(['m1', 'local-1']);
  // The server accepted it before sendText returned: the status waits for the message.
  s = chatReducer(s, { type: 'status', groupId: G, id: 'x', status: 'sent', seq: 2 });
  expect(ids(s)).toEqual(['m1', 'local-1']);
  s = chatReducer(s, {
    type: 'queued',
    groupId: G,
    localId: 'local-1',
    message: mine(0, { id: 'x', text: 'hi' }),
  });
  expect(ids(s)).toEqual(['m1', 'x']);
  expect(s.history[1]).toMatchObject({ status: 'sent', seq: 2 });
  expect(s.sending.size).toBe(0);
  s = run(
    [
      { type: 'status', groupId: G, id: 'x', status: 'read', seq: 2 },
      { type: 'status', groupId: G, id: 'x', status: 'delivered', seq: 2 },
    ],
    s,
  );
  expect(s.history[1]!.status).toBe('read');
});

test('a message that got its log position moves before later messages not yet in the log', () => {
  let s = opened([msg(1), mine(0, { id: 'a' }), mine(0, { id: 'b' })]);
  s = chatReducer(s, { type: 'message', message: msg(3) });
  expect(ids(s)).toEqual(['m1', 'm3', 'a', 'b']);
  s = chatReducer(s, { type: 'status', groupId: G, id: 'a', status: 'sent', seq: 4 });
  expect(ids(s)).toEqual(['m1', 'm3', 'a', 'b']);
  s = chatReducer(s, { type: 'status', groupId: G, id: 'b', status: 'sent', seq: 2 });
  expect(ids(s)).toEqual(['m1', 'b', 'm3', 'a']);
});

test('a message still being queued shows again when its conversation is opened; a refused one goes', () => {
  let s = opened([msg(1)]);
  s = chatReducer(s, { type: 'sending', message: mine(0, { id: 'local-1' }) });
  s = run(
    [
      { type: 'open', groupId: H },
      { type: 'open', groupId: G },
    ],
    s,
  );
  expect(ids(s)).toEqual(['local-1']);
  s = chatReducer(s, { type: 'history', groupId: G, messages: [msg(1)] });
  expect(ids(s)).toEqual(['m1', 'local-1']);
  s = chatReducer(s, { type: 'unsent', groupId: G, localId: 'local-1' });
  expect(ids(s)).toEqual(['m1']);
  expect(s.sending.size).toBe(0);
});

test('a file being sent shows its progress per conversation until its message is queued, or it failed', () => {
  let s = opened([msg(1)]);
  const upload = { id: 'upload-1', groupId: G, name: 'a.bin', done: 0, total: 100 };
  s = run(
    [
      { type: 'upload', upload },
      { type: 'upload', upload: { ...upload, id: 'upload-2', groupId: H } },
      { type: 'upload', upload: { ...upload, done: 40 } },
    ],
    s,
  );
  expect(s.uploads.get(G)).toEqual([{ ...upload, done: 40 }]);
  expect(s.uploads.get(H)?.map((u) => u.id)).toEqual(['upload-2']);
  const file = mine(0, { id: 'f', text: '', attachment: { name: 'a.bin' } as ChatMessage['attachment'] });
  s = chatReducer(s, { type: 'uploaded', groupId: G, id: 'upload-1', message: file });
  expect(s.uploads.has(G)).toBe(false);
  expect(ids(s)).toEqual(['m1', 'f']);
  // Failed or cancelled: the progress goes, nothing is added (the other conversation's stays).
  s = chatReducer(s, { type: 'uploaded', groupId: H, id: 'upload-2' });
  expect(s.uploads.size).toBe(0);
  expect(ids(s)).toEqual(['m1', 'f']);
});

test('typing: shown per conversation, sorted, never for myself; a message from the typist ends it', () => {
  let s = run([
    { type: 'typing', groupId: G, accountId: 'carol', typing: true },
    { type: 'typing', groupId: G, accountId: 'bob', typing: true },
    { type: 'typing', groupId: G, accountId: 'alice', typing: true },
  ]);
  expect(s.typing.get(G)).toEqual(['bob', 'carol']);
  s = chatReducer(s, { type: 'message', message: msg(1) });
  expect(s.typing.get(G)).toEqual(['carol']);
  s = chatReducer(s, { type: 'typing', groupId: G, accountId: 'carol', typing: false });
  expect(s.typing.has(G)).toBe(false);
  // Nothing changed: the same state (React skips the render).
  expect(chatReducer(s, { type: 'typing', groupId: G, accountId: 'carol', typing: false })).toBe(s);
});

test('presence is shown only while connected; events change it one person at a time', () => {
  let s = run([{ type: 'connection', state: 'online', presence: ['bob'] }]);
  expect([...s.online]).toEqual(['bob']);
  s = chatReducer(s, { type: 'presence', accountId: 'carol', online: true });
  s = chatReducer(s, { type: 'presence', accountId: 'bob', online: false });
  expect([...s.online]).toEqual(['carol']);
  s = chatReducer(s, { type: 'connection', state: 'connecting', presence: ['carol'] });
  expect(s.online.size).toBe(0);
  expect(
    chatReducer(s, { type: 'connection', state: 'online', presence: ['carol'] }).online.has('carol'),
  ).toBe(true);
});

test('undecryptable messages add up per conversation; identity changes and verified contacts are replaced', () => {
  const s = run([
    { type: 'undecryptable', groupId: G, count: 1 },
    { type: 'undecryptable', groupId: G, count: 3 },
    { type: 'undecryptable', groupId: H, count: 0 },
    { type: 'identityChanges', accounts: ['bob'] },
    { type: 'verified', accounts: ['carol'] },
  ]);
  expect(s.undecryptable.get(G)).toBe(4);
  expect(s.undecryptable.has(H)).toBe(false);
  expect(s.identityChanges).toEqual(['bob']);
  expect([...s.verified]).toEqual(['carol']);
});

test('repairs add a system line to their conversation, in order, and to no other', () => {
  const s = run([
    { type: 'repaired', groupId: G, text: 'first repair' },
    { type: 'repaired', groupId: G, text: 'second repair' },
  ]);
  expect(s.repairs.get(G)).toEqual(['first repair', 'second repair']);
  expect(s.repairs.has(H)).toBe(false);
});

test('conversations with nobody else and nothing in them are not listed', () => {
  const base: ConversationSummary = {
    id: G,
    name: null,
    members: ['alice'],
    direct: false,
    unread: 0,
    last: undefined,
    epoch: 1n,
    leaving: false,
    ended: false,
    removedBy: undefined,
    forged: 0,
    continues: [],
    timer: 0,
  };
  const list = [base, { ...base, id: H, members: ['alice', 'bob'] }, { ...base, id: 'cc', ended: true }];
  expect(listedConversations(list).map((c) => c.id)).toEqual([H, 'cc']);
  expect(run([{ type: 'conversations', conversations: list }]).conversations).toHaveLength(2);
});

test('a failed catch-up is shown until a sync goes through; the same state again changes nothing', () => {
  const s0 = initialChatState('alice', 'online');
  expect(s0.syncError).toBeUndefined();
  const failed = chatReducer(s0, { type: 'sync', error: 'internal' });
  expect(failed.syncError).toBe('internal');
  expect(chatReducer(failed, { type: 'sync', error: 'internal' })).toBe(failed);
  expect(chatReducer(failed, { type: 'sync', error: undefined }).syncError).toBeUndefined();
});

test('an updated message replaces the one shown without moving its status back, and replies quoting it follow', () => {
  const s = opened([
    mine(1, { status: 'read' }),
    msg(2, { replyTo: { id: 'm1', from: 'alice', text: 'message 1' } }),
  ]);
  const edited = mine(1, { text: 'changed', edited: 5, status: 'sent', reactions: { '👍': ['bob'] } });
  const after = chatReducer(s, { type: 'updated', message: edited });
  expect(after.history[0]).toMatchObject({
    text: 'changed',
    edited: 5,
    status: 'read',
    reactions: { '👍': ['bob'] },
  });
  expect(after.history[1]!.replyTo).toEqual({ id: 'm1', from: 'alice', text: 'changed' });
  const gone = chatReducer(after, { type: 'updated', message: { ...edited, text: '', deleted: true } });
  expect(gone.history[1]!.replyTo).toEqual({ id: 'm1', from: 'alice', text: '', deleted: true });
  // A message not shown changes nothing.
  expect(chatReducer(s, { type: 'updated', message: msg(9) })).toBe(s);
});

test('an expired message leaves the open history and the search results; a search shows until closed', () => {
  const result = (id: string) => ({ conversation: G, groupId: G, id, from: 'bob', sentAt: 1, snippet: 'x' });
  const s = run(
    [{ type: 'searched', search: { query: 'x', results: [result('m1'), result('m2')] } }],
    opened([msg(1), msg(2)]),
  );
  const after = chatReducer(s, { type: 'expired', groupId: G, id: 'm1' });
  expect(ids(after)).toEqual(['m2']);
  expect(after.search?.results.map((r) => r.id)).toEqual(['m2']);
  expect(chatReducer(after, { type: 'searched', search: undefined }).search).toBeUndefined();
});
