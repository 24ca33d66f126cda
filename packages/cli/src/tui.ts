/**
 * `parley chat`: the full-screen terminal chat. It keeps what the screen shows (screen.ts draws
 * it), reads keys in raw mode, and drives a ParleyClient: conversations with unread counts, who is
 * online, messages with their delivery state, typing, slash commands, a bell on new messages.
 */
import { emitKeypressEvents } from 'node:readline';
import type { ParleyClient } from '@parley/client';
import { username } from './names.js';
import { ESC, renderScreen, type ScreenState, titleOf } from './screen.js';

export interface ChatCommandContext {
  client: ParleyClient;
  /** Lines describing this account's devices (for /devices). */
  devices: () => Promise<string[]>;
  /** Lines of the safety number and QR code with a contact (for /verify). */
  safetyNumber: (who: string) => Promise<string[]>;
}

export const HELP = [
  'Commands',
  '',
  '  /dm <user>                  open (or start) a one-to-one chat',
  '  /group <name> <user> …      start a group (quote a name with spaces: "Book club")',
  '  /add <user> …               add people to this conversation',
  '  /remove <user>              remove someone from this conversation',
  '  /leave                      leave this conversation',
  '  /rename <name>              rename this group',
  '  /verify <user> [ok]         show the safety number; "ok" marks them verified once it matches',
  "  /accept <user>              trust a contact's new identity key (after verifying)",
  "  /devices                    this account's devices",
  '  /help                       this list',
  '  /quit                       leave the chat (Ctrl-C works too)',
  '',
  'Tab / Shift-Tab (or Ctrl-N / Ctrl-P) switch conversations; Esc closes a panel.',
  'Anything else you type is sent to the open conversation, end-to-end encrypted.',
];

/** Split a command line into words; "double quotes" keep spaces. */
export function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2]!);
  return out;
}

export async function runChat(
  ctx: ChatCommandContext,
  me: { username: string; server: string },
): Promise<void> {
  const { client } = ctx;
  const out = process.stdout;
  const state: ScreenState = {
    me: me.username,
    server: new URL(me.server).host,
    connection: client.connection.state,
    conversations: [],
    selected: undefined,
    messages: [],
    verified: undefined,
    online: [],
    typing: [],
    panel: undefined,
    warnings: [],
    notice: 'Secure session started. /help for commands · Tab switches conversations',
    input: '',
  };
  const typingIn = new Map<string, Set<string>>();
  let drawPending = false;
  let closed = false;

  const draw = () => {
    if (drawPending || closed) return;
    drawPending = true;
    setImmediate(() => {
      drawPending = false;
      if (closed) return;
      const rows = renderScreen(state, out.columns ?? 80, out.rows ?? 24);
      out.write(`${ESC}H${rows.map((r) => `${r}${ESC}K`).join('\r\n')}${ESC}J`);
      // Cursor at the end of the input line.
      out.write(`${ESC}${rows.length};${Math.min(3 + [...state.input].length, out.columns ?? 80)}H`);
    });
  };

  const refresh = async () => {
    state.conversations = client.conversationList();
    if (state.selected === undefined && state.conversations.length > 0)
      state.selected = state.conversations[0]!.id;
    state.online = client.online().sort();
    state.connection = client.connection.state;
    const current = state.conversations.find((c) => c.id === state.selected);
    if (current !== undefined) {
      state.messages = await client.history(current.id);
      state.typing = [...(typingIn.get(current.id) ?? [])];
      const others = current.members.filter((m) => m !== me.username);
      state.verified =
        current.direct && others.length === 1
          ? ((await client.contact(others[0]!))?.verified ?? false)
          : undefined;
      if (current.unread > 0) await client.markRead(current.id);
    }
    const changed = await client.pendingIdentityChanges();
    state.warnings = changed.map(
      (who) =>
        `${who}'s identity key changed. Messages with ${who} are held. Compare safety numbers (/verify ${who}); if they match, /accept ${who}.`,
    );
    draw();
  };
  let refreshing: Promise<void> = Promise.resolve();
  const scheduleRefresh = () => {
    refreshing = refreshing.then(refresh).catch((e: unknown) => notice(errorText(e)));
  };
  const notice = (text: string) => {
    state.notice = text;
    draw();
  };

  const select = (id: string | undefined) => {
    state.selected = id;
    state.panel = undefined;
    scheduleRefresh();
  };
  const move = (step: number) => {
    const list = state.conversations;
    if (list.length === 0) return;
    const i = list.findIndex((c) => c.id === state.selected);
    select(list[(i + step + list.length) % list.length]!.id);
  };

  const need = (): string => {
    if (state.selected === undefined) throw new Error('open a conversation first (/dm <user>)');
    return state.selected;
  };

  const command = async (line: string): Promise<void> => {
    const [name, ...args] = words(line.slice(1));
    switch (name) {
      case 'dm': {
        if (args.length !== 1) throw new Error('usage: /dm <user>');
        const who = username(args[0]!);
        notice(`opening a chat with ${who}…`);
        select(await client.directConversation(who));
        notice(`chat with ${who} · end-to-end encrypted`);
        return;
      }
      case 'group': {
        const [groupName, ...people] = args;
        if (groupName === undefined || people.length === 0) throw new Error('usage: /group <name> <user> …');
        notice(`creating ${groupName}…`);
        select(await client.createGroup(groupName, people.map(username)));
        notice(`group ${groupName} created`);
        return;
      }
      case 'add': {
        if (args.length === 0) throw new Error('usage: /add <user> …');
        await client.addMembers(need(), args.map(username));
        notice(`added ${args.join(', ')}`);
        return;
      }
      case 'remove': {
        if (args.length !== 1) throw new Error('usage: /remove <user>');
        await client.removeMember(need(), username(args[0]!));
        notice(`removed ${args[0]}`);
        return;
      }
      case 'leave':
        await client.leave(need());
        notice('you asked to leave; the next member online confirms it');
        return;
      case 'rename':
        if (args.length === 0) throw new Error('usage: /rename <name>');
        await client.rename(need(), args.join(' '));
        return;
      case 'verify': {
        if (args[0] === undefined) throw new Error('usage: /verify <user> [ok]');
        const who = username(args[0]);
        if (args[1] === 'ok') {
          await client.markVerified(who);
          notice(`${who} is verified`);
          state.panel = undefined;
        } else state.panel = await ctx.safetyNumber(who);
        scheduleRefresh();
        return;
      }
      case 'accept': {
        if (args[0] === undefined) throw new Error('usage: /accept <user>');
        const who = username(args[0]);
        await client.acknowledgeIdentityChange(who);
        notice(`${who}'s new key is accepted (not verified: compare safety numbers with /verify ${who})`);
        scheduleRefresh();
        return;
      }
      case 'devices':
        state.panel = await ctx.devices();
        draw();
        return;
      case 'help':
        state.panel = HELP;
        draw();
        return;
      case 'quit':
      case 'exit':
        stop();
        return;
      default:
        throw new Error(`unknown command /${name ?? ''}: /help lists them`);
    }
  };

  const submit = async () => {
    const line = state.input.trim();
    state.input = '';
    draw();
    if (line.length === 0) return;
    try {
      if (line.startsWith('/')) await command(line);
      else {
        const id = need();
        void client.setTyping(id, false);
        await client.sendText(id, line);
        scheduleRefresh();
      }
    } catch (e) {
      notice(errorText(e));
    }
  };

  const unsubscribe = [
    client.on('message', (m) => {
      if (m.from.accountId !== me.username) out.write('\x07'); // the terminal bell
      typingIn.get(m.groupId)?.delete(m.from.accountId);
      scheduleRefresh();
    }),
    client.on('message_status', scheduleRefresh),
    client.on('conversation', scheduleRefresh),
    client.on('presence', scheduleRefresh),
    client.on('typing', (t) => {
      const set = typingIn.get(t.groupId) ?? new Set<string>();
      if (t.typing) set.add(t.accountId);
      else set.delete(t.accountId);
      typingIn.set(t.groupId, set);
      // Only the typing line changes: no need to reload the history.
      if (t.groupId === state.selected) {
        state.typing = [...set];
        draw();
      }
    }),
    client.on('removed', (g) => {
      const c = client.conversation(g);
      notice(`you are no longer in ${c ? titleOf(c, me.username) : 'a conversation'}`);
      scheduleRefresh();
    }),
    client.on('rejoined', ({ missed }) =>
      notice(`rejoined a conversation; ${missed} message(s) could not be read`),
    ),
    client.on('undecryptable', ({ code }) => notice(`a message could not be decrypted (${code})`)),
    client.on('identity_changed', ({ accountId }) => {
      out.write('\x07');
      notice(`⚠ ${accountId}'s identity key changed`);
      scheduleRefresh();
    }),
    client.connection.onState(scheduleRefresh),
  ];

  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const onKey = (
    str: string | undefined,
    key: { name?: string; ctrl?: boolean; shift?: boolean } | undefined,
  ) => {
    if (key?.ctrl && key.name === 'c') return stop();
    if (key?.name === 'return' || key?.name === 'enter') return void submit();
    if (key?.name === 'backspace') {
      state.input = [...state.input].slice(0, -1).join('');
    } else if (key?.name === 'tab') return move(key.shift ? -1 : 1);
    else if (key?.ctrl && key.name === 'n') return move(1);
    else if (key?.ctrl && key.name === 'p') return move(-1);
    else if (key?.name === 'escape') state.panel = undefined;
    else if (str !== undefined && !key?.ctrl && /^\P{Cc}+$/u.test(str)) state.input += str;
    else return;
    if (state.selected !== undefined && !state.input.startsWith('/'))
      void client.setTyping(state.selected, state.input.length > 0);
    draw();
  };
  const onResize = () => draw();

  function stop(): void {
    if (closed) return;
    closed = true;
    for (const u of unsubscribe) u();
    process.stdin.off('keypress', onKey);
    out.off('resize', onResize);
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
    process.stdin.pause();
    out.write(`${ESC}?1049l`); // back to the normal screen
    finish();
  }

  emitKeypressEvents(process.stdin);
  if (process.stdin.isTTY) process.stdin.setRawMode(true);
  process.stdin.on('keypress', onKey);
  process.stdin.resume();
  out.on('resize', onResize);
  out.write(`${ESC}?1049h${ESC}2J`); // the alternate screen, like other full-screen programs
  scheduleRefresh();
  await done;
  await refreshing;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
