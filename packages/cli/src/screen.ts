/**
 * The chat screen as text: a pure function from what the chat shows to the terminal's lines, so
 * the layout is tested without a terminal. tui.ts owns the state and the keys and draws these lines.
 *
 *    Parley · alice on 127.0.0.1:8080 · online
 *    Conversations        │ bob · end-to-end encrypted · MLS · epoch 3 · not verified
 *    > bob (2)            │ suite: X25519 · AES-128-GCM
 *      Book club          │ 1 [12:01] bob: hi
 *                         │ 2 [12:02] you: hello                            ✓✓ delivered
 *                         │
 *    Online               │
 *    ● bob                │ bob is typing…
 *    ───────────────────────────────────────────────────────────────────────────────────
 *    /help for commands · Tab next conversation
 *    > _
 */
import { stripVTControlCharacters } from 'node:util';
import { type ChatMessage, type ConversationSummary, type MessageStatus, systemText } from '@parley/client';
import { quoteLine, shownText } from './messageText.js';
import { titleOf } from './names.js';
import { width as columns, cut, fit, wrap } from './text.js';

export interface ScreenState {
  me: string;
  server: string;
  connection: string;
  conversations: ConversationSummary[];
  selected: string | undefined;
  /** History of the selected conversation, oldest first. */
  messages: ChatMessage[];
  /** Verified flag of the other person in a direct chat (undefined for groups). */
  verified: boolean | undefined;
  online: string[];
  typing: string[];
  /** A panel shown in place of the messages (help, safety number, devices), if any. */
  panel: string[] | undefined;
  /** Warnings that stay on screen until resolved (identity key changes). */
  warnings: string[];
  /** Lines about the selected conversation from this session (a repair), shown after its messages. */
  system: string[];
  notice: string;
  input: string;
}

const STATUS_MARK: Record<MessageStatus, string> = {
  sending: '… sending',
  sent: '✓ sent',
  delivered: '✓✓ delivered',
  read: '✓✓ read',
  failed: '✗ not sent',
  received: '',
};

export const ESC = '\x1b[';
const BOLD = `${ESC}1m`;
const DIM = `${ESC}2m`;
const INVERSE = `${ESC}7m`;
const RED = `${ESC}31m`;
const YELLOW = `${ESC}33m`;
const GREEN = `${ESC}32m`;
const RESET = `${ESC}0m`;

function time(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/**
 * A message's lines: its number (what /reply, /react, /edit and /delete take), the quote it replies
 * to, its text with edited mark and reactions, and the delivery state of one's own.
 */
function messageLines(m: ChatMessage, n: number, me: string, width: number): string[] {
  const who = m.from.accountId === me ? 'you' : m.from.accountId;
  const mark = STATUS_MARK[m.status];
  const quote = quoteLine(m);
  const quoted = quote === undefined ? [] : wrap(`    ${quote}`, width).map((l) => `${DIM}${l}${RESET}`);
  const lines = wrap(
    `${n} [${time(m.sentAt)}] ${who}: ${shownText(m)}`,
    width - (mark ? mark.length + 1 : 0),
  );
  if (mark) {
    const last = lines.length - 1;
    const pad = width - columns(lines[last]!) - mark.length;
    lines[last] = `${lines[last]}${' '.repeat(Math.max(1, pad))}${DIM}${mark}${RESET}`;
  }
  return [...quoted, ...lines];
}

/** The whole screen, one string per terminal row (with ANSI styles). */
export function renderScreen(s: ScreenState, width: number, height: number): string[] {
  const w = Math.max(width, 40);
  const left = Math.min(26, Math.floor(w / 3));
  const right = w - left - 4; // " " + left + " │ " + right
  const bodyRows = Math.max(height - 4, 3);

  const header = ` Parley · ${s.me} on ${s.server} · ${s.connection}`;
  const rows: string[] = [`${INVERSE}${fit(header, w)}${RESET}`];

  // Left pane: conversations, then who is online.
  const leftLines: string[] = [`${BOLD}Conversations${RESET}`];
  if (s.conversations.length === 0) leftLines.push(`${DIM}none yet: /dm <user>${RESET}`);
  for (const c of s.conversations) {
    const marker = c.id === s.selected ? '>' : ' ';
    const unread = c.unread > 0 ? ` (${c.unread})` : '';
    const state = c.ended ? ' [left]' : c.leaving ? ' [leaving]' : '';
    const label = fit(`${marker} ${titleOf(c, s.me)}${state}`, left - unread.length) + unread;
    leftLines.push(c.id === s.selected ? `${BOLD}${label}${RESET}` : label);
  }
  leftLines.push('', `${BOLD}Online${RESET}`);
  // What the server last said of others is not news while this device is not connected itself.
  if (s.connection !== 'online') leftLines.push(`${DIM}unknown (${s.connection})${RESET}`);
  else if (s.online.length === 0) leftLines.push(`${DIM}nobody${RESET}`);
  else for (const o of s.online) leftLines.push(`${GREEN}●${RESET} ${o}`);

  // Right pane: the conversation's title and encryption status, then messages or a panel.
  const current = s.conversations.find((c) => c.id === s.selected);
  const rightLines: string[] = [];
  if (current !== undefined) {
    const verified =
      s.verified === undefined ? '' : s.verified ? ` · ${GREEN}verified${RESET}` : ' · not verified';
    rightLines.push(
      `${BOLD}${titleOf(current, s.me)}${RESET} · end-to-end encrypted · MLS · epoch ${current.epoch}${verified}`,
    );
    // The ciphersuite: post-quantum (X-Wing) or not, and the AEAD (the SDK's suiteInfo).
    if (current.suite !== undefined) rightLines.push(`${DIM}suite: ${current.suite.label}${RESET}`);
  } else {
    rightLines.push(`${BOLD}Welcome to Parley.${RESET} Secure session started.`);
  }
  const warningLines = s.warnings.flatMap((x) => wrap(`⚠ ${x}`, right).map((l) => `${RED}${l}${RESET}`));
  const footer =
    s.typing.length > 0
      ? [`${DIM}${s.typing.join(', ')} ${s.typing.length > 1 ? 'are' : 'is'} typing…${RESET}`]
      : [];
  const room = bodyRows - rightLines.length - warningLines.length - footer.length;
  let content: string[];
  if (s.panel !== undefined) content = s.panel.flatMap((l) => (l.length === 0 ? [''] : wrap(l, right)));
  else if (current === undefined)
    content = wrap(
      'Start a conversation with /dm <user> or /group <name> <user> …; /help lists commands.',
      right,
    );
  else {
    // Messages are numbered for /reply and the like; the history's system lines are not.
    let n = 0;
    const yellow = (l: string) => wrap(`— ${l}`, right).map((x) => `${YELLOW}${x}${RESET}`);
    content = [
      ...s.messages.flatMap((m) =>
        m.system !== undefined ? yellow(systemText(m, s.me)) : messageLines(m, ++n, s.me, right),
      ),
      ...s.system.flatMap(yellow),
    ];
  }
  const visible =
    s.panel !== undefined ? content.slice(0, room) : content.slice(Math.max(0, content.length - room));
  rightLines.push(...warningLines, ...visible);
  while (rightLines.length < bodyRows - footer.length) rightLines.push('');
  rightLines.push(...footer);

  for (let i = 0; i < bodyRows; i++) {
    const l = leftLines[i] ?? '';
    const r = rightLines[i] ?? '';
    rows.push(` ${padStyled(l, left)} │ ${clip(r, right)}`);
  }
  rows.push('─'.repeat(w));
  rows.push(`${YELLOW}${fit(s.notice, w)}${RESET}`);
  const prompt = '> ';
  const inputRoom = w - prompt.length - 1;
  rows.push(prompt + cut(s.input, inputRoom, true));
  return rows.slice(0, Math.max(height, 7));
}

/** Pad a string that may hold ANSI styles to a visible width. */
function padStyled(s: string, width: number): string {
  const visible = columns(s);
  return visible >= width ? clip(s, width) : s + ' '.repeat(width - visible);
}

/** Cut a styled string to a visible width (dropping its styles if it must be cut). */
function clip(s: string, width: number): string {
  return columns(s) <= width ? s : fit(stripVTControlCharacters(s), width);
}

/** The visible text of rendered rows (styles removed), e.g. for tests. */
export function plain(rows: string[]): string {
  return rows.map(stripVTControlCharacters).join('\n');
}
