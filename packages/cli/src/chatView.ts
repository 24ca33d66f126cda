/**
 * What `parley chat` shows, kept up to date from the client: the screen state (screen.ts draws it),
 * drawn at most once per tick, reloaded from the client one refresh at a time, and the few moves
 * the keys and slash commands make on it (select a conversation, show a notice or a panel).
 */
import { errorText, type ParleyClient } from '@parley/client';
import { CliError } from './errors.js';
import { titleOf } from './names.js';
import { ESC, renderScreen, type ScreenState } from './screen.js';
import { width } from './text.js';

export interface ChatContext {
  client: ParleyClient;
  /** Lines describing this account's devices (for /devices). */
  devices: () => Promise<string[]>;
  /** Lines of the safety number and QR code with a contact (for /verify). */
  safetyNumber: (who: string) => Promise<string[]>;
}

export interface ChatView {
  readonly ctx: ChatContext;
  readonly client: ParleyClient;
  readonly me: string;
  readonly state: ScreenState;
  /** Who is typing, per conversation. */
  readonly typingIn: Map<string, Set<string>>;
  /** System lines per conversation, from this session (see ScreenState.system). */
  readonly systemIn: Map<string, string[]>;
  draw(): void;
  /** Reload what the screen shows from the client (queued behind the refresh in progress). */
  refresh(): void;
  /** Wait for the queued refreshes. */
  settled(): Promise<void>;
  notice(text: string): void;
  /** A system line in a conversation (kept for this session), named in the notice too. */
  system(groupId: string, text: string): void;
  /** Show what went wrong as the notice. */
  fail(error: unknown): void;
  select(id: string | undefined): void;
  /** Move to the next (1) or previous (-1) conversation. */
  move(step: number): void;
  /** The open conversation; an error when none is open. */
  need(): string;
  /** Stop drawing (the chat is closing). */
  close(): void;
}

function initialState(client: ParleyClient, me: { username: string; server: string }): ScreenState {
  return {
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
    system: [],
    notice: 'Secure session started. /help for commands · Tab switches conversations',
    input: '',
  };
}

/** Load the selected conversation's history, typing, verified flag, and mark it read. */
async function loadSelected(view: ChatView): Promise<void> {
  const { client, state } = view;
  const current = state.conversations.find((c) => c.id === state.selected);
  if (current === undefined) return;
  state.messages = await client.history(current.id);
  state.typing = [...(view.typingIn.get(current.id) ?? [])];
  state.system = view.systemIn.get(current.id) ?? [];
  const others = current.members.filter((m) => m !== view.me);
  state.verified =
    current.direct && others.length === 1
      ? ((await client.contact(others[0]!))?.verified ?? false)
      : undefined;
  if (current.unread > 0) await client.markRead(current.id);
}

async function reload(view: ChatView): Promise<void> {
  const { client, state } = view;
  state.conversations = client.conversationList();
  if (state.selected === undefined && state.conversations.length > 0)
    state.selected = state.conversations[0]!.id;
  state.online = client.online().sort();
  state.connection = client.connection.state;
  await loadSelected(view);
  state.warnings = (await client.pendingIdentityChanges()).map(
    (who) =>
      `${who}'s identity key changed. What you send to conversations with ${who}, and what ${who} sends with the new key, is held. Compare safety numbers (/verify ${who}); if they match, /accept ${who}.`,
  );
  view.draw();
}

export function openChatView(
  ctx: ChatContext,
  me: { username: string; server: string },
  out: NodeJS.WriteStream,
): ChatView {
  let drawPending = false;
  let closed = false;
  let refreshing: Promise<void> = Promise.resolve();
  const view: ChatView = {
    ctx,
    client: ctx.client,
    me: me.username,
    state: initialState(ctx.client, me),
    typingIn: new Map(),
    systemIn: new Map(),
    draw() {
      if (drawPending || closed) return;
      drawPending = true;
      setImmediate(() => {
        drawPending = false;
        if (closed) return;
        const rows = renderScreen(view.state, out.columns ?? 80, out.rows ?? 24);
        out.write(`${ESC}H${rows.map((r) => `${r}${ESC}K`).join('\r\n')}${ESC}J`);
        // Cursor at the end of the input line.
        out.write(`${ESC}${rows.length};${Math.min(3 + width(view.state.input), out.columns ?? 80)}H`);
      });
    },
    refresh() {
      refreshing = refreshing.then(() => reload(view)).catch(view.fail);
    },
    settled: () => refreshing,
    notice(text) {
      view.state.notice = text;
      view.draw();
    },
    system(groupId, text) {
      view.systemIn.set(groupId, [...(view.systemIn.get(groupId) ?? []), text]);
      const c = view.client.conversation(groupId);
      view.notice(`${c ? titleOf(c, view.me) : 'a conversation'}: ${text}`);
      view.refresh();
    },
    fail: (error) => view.notice(errorText(error, { brief: true, server: me.server })),
    select(id) {
      view.state.selected = id;
      view.state.panel = undefined;
      view.refresh();
    },
    move(step) {
      const list = view.state.conversations;
      if (list.length === 0) return;
      const i = list.findIndex((c) => c.id === view.state.selected);
      view.select(list[(i + step + list.length) % list.length]!.id);
    },
    need() {
      if (view.state.selected === undefined) throw new CliError('open a conversation first (/dm <user>)');
      return view.state.selected;
    },
    close() {
      closed = true;
    },
  };
  return view;
}
