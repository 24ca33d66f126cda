/**
 * `parley chat`: the full-screen terminal chat. It reads keys in raw mode, follows the client's
 * events, and sends what is typed (or runs it as a slash command); chatView.ts keeps what the screen
 * shows, screen.ts lays it out. A bell rings on new messages and identity key changes.
 */
import { emitKeypressEvents } from 'node:readline';
import { brokenNotice, repairNotice, resetNotice, timerNotice } from '@parley/client';
import { type ChatContext, type ChatView, openChatView } from './chatView.js';
import { titleOf } from './names.js';
import { ESC } from './screen.js';
import { runSlashCommand } from './slashCommands.js';

const BELL = '\x07';

interface Key {
  name?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
  sequence?: string;
}

/**
 * The character typed right after Escape when both arrived together: readline reads `ESC x` as one
 * "meta" key (Alt+x), so Escape (closing a panel) followed at once by `/` would lose the slash and
 * send the command as text.
 */
function afterEscape(key: Key | undefined): string | undefined {
  const seq = key?.sequence;
  if (!key?.meta || seq === undefined || seq.length !== 2 || seq[0] !== '\x1b') return undefined;
  return /^\P{Cc}$/u.test(seq[1]!) ? seq[1] : undefined;
}

/** A change the history keeps as a system line (shown by the refresh): named in the notice too. */
function storedLine(view: ChatView, groupId: string, text: string, out?: NodeJS.WriteStream): void {
  out?.write(BELL);
  const c = view.client.conversation(groupId);
  view.notice(`${c ? titleOf(c, view.me) : 'a conversation'}: ${text}`);
  view.refresh();
}

/** Follow the client's events on the screen; returns the unsubscribers. */
function follow(view: ChatView, out: NodeJS.WriteStream): Array<() => void> {
  const { client, state } = view;
  return [
    client.on('message', (m) => {
      if (m.from.accountId !== view.me) out.write(BELL);
      view.typingIn.get(m.groupId)?.delete(m.from.accountId);
      view.refresh();
    }),
    client.on('message_status', view.refresh),
    client.on('message_updated', view.refresh),
    client.on('message_expired', view.refresh),
    client.on('timer', (t) => storedLine(view, t.groupId, timerNotice(t, view.me))),
    client.on('system', view.refresh),
    client.on('forged_annotation', (f) =>
      view.notice(`${f.by.accountId} tried to ${f.kind} someone else's message; it was ignored`),
    ),
    client.on('conversation', view.refresh),
    client.on('presence', view.refresh),
    client.on('typing', (t) => {
      const set = view.typingIn.get(t.groupId) ?? new Set<string>();
      if (t.typing) set.add(t.accountId);
      else set.delete(t.accountId);
      view.typingIn.set(t.groupId, set);
      // Only the typing line changes: no need to reload the history.
      if (t.groupId === state.selected) {
        state.typing = [...set];
        view.draw();
      }
    }),
    client.on('removed', (g) => {
      // The history says so in its place (a system line); the notice names the conversation.
      const c = client.conversation(g);
      const title = c ? titleOf(c, view.me) : 'a conversation';
      view.refresh();
      view.notice(
        c?.removedBy ? `you were removed from ${title} by ${c.removedBy}` : `you are no longer in ${title}`,
      );
    }),
    client.on('rejoined', ({ missed }) =>
      view.notice(`rejoined a conversation; ${missed} message(s) could not be read`),
    ),
    client.on('group_repaired', (r) => storedLine(view, r.groupId, repairNotice(r, view.me), out)),
    client.on('group_broken', (r) => storedLine(view, r.groupId, brokenNotice(r, view.me), out)),
    client.on('conversation_reset', (r) => {
      // The conversation goes on under its new group's id, with this session's lines about it
      // (the move itself is a line of its history).
      view.systemIn.set(r.to, [...(view.systemIn.get(r.from) ?? []), ...(view.systemIn.get(r.to) ?? [])]);
      if (state.selected === r.from) state.selected = r.to;
      storedLine(view, r.to, resetNotice(r, view.me), out);
    }),
    client.on('undecryptable', ({ code }) => view.notice(`a message could not be decrypted (${code})`)),
    client.on('sync_error', ({ code }) => view.notice(`catching up failed (${code}); trying again`)),
    client.on('synced', () => view.notice('caught up')),
    client.on('identity_changed', ({ accountId }) => {
      out.write(BELL);
      for (const c of client.conversationList())
        if (c.members.includes(accountId))
          view.system(
            c.id,
            `⚠ ${accountId}'s identity key changed: compare safety numbers (/verify ${accountId})`,
          );
      view.notice(`⚠ ${accountId}'s identity key changed`);
    }),
    // Key transparency (issue #21): the server lied about keys; say so loudly.
    client.on('log_split_view', () => {
      out.write(BELL);
      view.notice('⚠ the server showed two histories of its key log: it may be showing false keys');
    }),
    client.on('key_alert', (a) => {
      out.write(BELL);
      if (a.kind === 'account_deleted') {
        view.notice(
          '⚠ the server logged your account as deleted: it may be pushing you out of your conversations',
        );
        return;
      }
      const what = a.kind === 'device_certified' ? `a device (${a.deviceId})` : 'an identity key';
      view.notice(`⚠ ${what} none of your devices made was added to your account`);
    }),
    client.connection.onState(view.refresh),
  ];
}

/** Send the input line, or run it as a slash command; a failure becomes the notice. */
async function submit(view: ChatView, stop: () => void): Promise<void> {
  const line = view.state.input.trim();
  view.state.input = '';
  view.draw();
  if (line.length === 0) return;
  try {
    if (line.startsWith('/')) await runSlashCommand(view, line, stop);
    else {
      const id = view.need();
      void view.client.setTyping(id, false);
      await view.client.sendText(id, line);
      view.refresh();
    }
  } catch (e) {
    view.fail(e);
  }
}

/** What a key does: edit the input, switch conversations, close a panel, send, or stop. */
function onKey(view: ChatView, stop: () => void, str: string | undefined, key: Key | undefined) {
  const { state } = view;
  if (key?.ctrl && key.name === 'c') return stop();
  if (key?.name === 'return' || key?.name === 'enter') return void submit(view, stop);
  const typed = afterEscape(key);
  if (typed !== undefined) {
    state.panel = undefined;
    state.input += typed;
  } else if (key?.name === 'backspace') state.input = [...state.input].slice(0, -1).join('');
  else if (key?.name === 'tab') return view.move(key.shift ? -1 : 1);
  else if (key?.ctrl && key.name === 'n') return view.move(1);
  else if (key?.ctrl && key.name === 'p') return view.move(-1);
  else if (key?.name === 'escape') state.panel = undefined;
  else if (str !== undefined && !key?.ctrl && /^\P{Cc}+$/u.test(str)) state.input += str;
  else return;
  if (state.selected !== undefined && !state.input.startsWith('/'))
    void view.client.setTyping(state.selected, state.input.length > 0);
  view.draw();
}

export async function runChat(ctx: ChatContext, me: { username: string; server: string }): Promise<void> {
  const out = process.stdout;
  const view = openChatView(ctx, me, out);
  const unsubscribe = follow(view, out);
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    view.close();
    for (const u of unsubscribe) u();
    process.stdin.off('keypress', keys);
    out.off('resize', view.draw);
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    out.write(`${ESC}?1049l`); // back to the normal screen
    finish();
  };
  const keys = (str: string | undefined, key: Key | undefined) => onKey(view, stop, str, key);

  emitKeypressEvents(process.stdin);
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('keypress', keys);
  process.stdin.resume();
  out.on('resize', view.draw);
  out.write(`${ESC}?1049h${ESC}2J`); // the alternate screen, like other full-screen programs
  view.refresh();
  await done;
  await view.settled();
}
