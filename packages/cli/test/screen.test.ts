import { type ChatMessage, type ConversationSummary, repairNotice } from '@parley/client';
import stringWidth from 'string-width';
import { describe, expect, test } from 'vitest';
import { plain, renderScreen, type ScreenState } from '../src/screen.js';
import { words } from '../src/slashCommands.js';

const conversation = (over: Partial<ConversationSummary>): ConversationSummary => ({
  id: 'g1',
  name: null,
  members: ['alice', 'bob'],
  direct: true,
  unread: 0,
  last: undefined,
  epoch: 3n,
  suite: {
    name: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519',
    label: 'X25519 · AES-128-GCM',
    postQuantum: false,
  },
  leaving: false,
  ended: false,
  removedBy: undefined,
  forged: 0,
  continues: [],
  timer: 0,
  ...over,
});

const message = (over: Partial<ChatMessage>): ChatMessage => ({
  groupId: 'g1',
  seq: 1,
  id: 'm1',
  from: { accountId: 'alice', deviceId: 'd1' },
  sentAt: new Date(2026, 10, 23, 12, 1).getTime(),
  text: 'hello',
  status: 'sent',
  ...over,
});

const base: ScreenState = {
  me: 'alice',
  server: 'chat.example:8080',
  connection: 'online',
  conversations: [
    conversation({}),
    conversation({
      id: 'g2',
      name: 'Book club',
      members: ['alice', 'bob', 'carol'],
      direct: false,
      unread: 2,
    }),
  ],
  selected: 'g1',
  messages: [
    message({ text: 'hello', status: 'read' }),
    message({ seq: 2, from: { accountId: 'bob', deviceId: 'd2' }, text: 'hi!', status: 'received' }),
  ],
  verified: false,
  online: ['bob'],
  typing: ['bob'],
  panel: undefined,
  warnings: [],
  system: [],
  notice: 'Secure session started.',
  input: 'typing a reply',
};

describe('the chat screen', () => {
  test('shows conversations with unread counts, who is online, the encryption status, messages with delivery states, typing and the input', () => {
    const rows = renderScreen(base, 100, 20);
    const text = plain(rows);
    expect(rows).toHaveLength(20);
    expect(text).toContain('Parley · alice on chat.example:8080 · online');
    expect(text).toMatch(/Conversations +│ bob · end-to-end encrypted · MLS · epoch 3 · not verified/);
    expect(text).toMatch(/> bob +│ suite: X25519 · AES-128-GCM/);
    expect(text).toMatch(/Book club +\(2\) │ 1 \[12:01\] you: hello/);
    expect(text).toMatch(/ {3}Book club +\(2\) │/);
    expect(text).toContain('● bob');
    expect(text).toMatch(/\[12:01\] you: hello +✓✓ read/);
    expect(text).toContain('[12:01] bob: hi!');
    expect(text).toContain('bob is typing…');
    expect(rows.at(-1)).toBe('> typing a reply');
  });

  test('an own message that could not be sent (removed from the conversation first) is marked as not sent', () => {
    const messages = [message({ seq: 0, id: 'm9', text: 'count me in', status: 'failed' })];
    expect(plain(renderScreen({ ...base, messages }, 100, 20))).toMatch(
      /\[12:01\] you: count me in +✗ not sent/,
    );
  });

  test('a repaired conversation says, after its messages, which device broke it', () => {
    const system = [
      repairNotice(
        {
          groupId: 'g1',
          seq: 9,
          by: { accountId: 'bob', deviceId: '3f2a91c0d4e5' },
          reason: 'bad_signature',
          missed: 0,
        },
        'alice',
      ),
    ];
    const text = plain(renderScreen({ ...base, system }, 100, 20));
    expect(text).toMatch(
      /\[12:01\] bob: hi!\s+(Online\s+)?│ — bob's device 3f2a91c0… sent a change that could not be applied; this\s/,
    );
    expect(text).toMatch(/│ conversation was repaired\.\s/);
  });

  test('every row fits the terminal width, long messages wrap, and the newest messages stay visible', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      message({ seq: i + 1, id: `m${i}`, text: `message ${i} ${'x'.repeat(i * 3)}` }),
    );
    const rows = renderScreen({ ...base, messages: many }, 60, 15);
    for (const r of plain(rows).split('\n')) expect([...r].length).toBeLessThanOrEqual(60);
    expect(plain(rows)).toContain('message 39');
    expect(plain(rows)).not.toContain('message 0 ');
  });

  test('wide characters and emoji take two columns: rows fit the terminal and the status stays at the edge', () => {
    const messages = [
      message({ text: `${'你好世界 '.repeat(12)}👋🏽`, status: 'read' }),
      message({ seq: 2, id: 'm2', text: '長い単語'.repeat(12), status: 'sent' }),
    ];
    const conversations = [conversation({ id: 'g1', name: '読書クラブ 📚 の友達と家族' })];
    const rows = renderScreen({ ...base, conversations, messages, input: '日本語'.repeat(40) }, 60, 15);
    const text = plain(rows).split('\n');
    for (const r of text) expect(stringWidth(r)).toBeLessThanOrEqual(60);
    expect(stringWidth(text.find((r) => r.endsWith('✓✓ read'))!)).toBe(60);
    expect(stringWidth(text.find((r) => r.endsWith('✓ sent'))!)).toBe(60);
    expect(stringWidth(text.at(-1)!)).toBeLessThanOrEqual(59);
    expect(text.at(-1)).toMatch(/^> \p{Script=Han}+日本語$/u); // the end of what is typed
  });

  test('an identity key change is a warning that stays on screen', () => {
    const text = plain(renderScreen({ ...base, warnings: ["bob's identity key changed."] }, 100, 20));
    expect(text).toContain("⚠ bob's identity key changed.");
  });

  test('slash command words: quotes keep spaces', () => {
    expect(words('group "Book club" bob carol')).toEqual(['group', 'Book club', 'bob', 'carol']);
  });
});
