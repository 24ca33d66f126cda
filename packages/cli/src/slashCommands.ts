/** The slash commands of `parley chat` (/dm, /group, /verify …): each one a small function on the chat view. */
import { basename } from 'node:path';
import type { ChatView } from './chatView.js';
import { presenceSetting } from './commands/presence.js';
import { timerSetting } from './commands/timer.js';
import { memberLines } from './conversationChanges.js';
import { CliError } from './errors.js';
import { notSaved, progressText, saveFile, sendFile, typedPath } from './files.js';
import { titleOf, username } from './names.js';

export const HELP = [
  'Commands',
  '',
  '  /dm <user>                  open (or start) a one-to-one chat',
  '  /group <name> <user> …      start a group (quote a name with spaces: "Book club")',
  '    … --post-quantum          (after /dm or /group) start it with X-Wing post-quantum encryption',
  '  /add <user> …               add people to this conversation',
  '  /remove <user>              remove someone from this conversation',
  '  /leave                      leave this conversation',
  '  /rename <name>              rename this group',
  '  /verify <user> [ok]         show the safety number; "ok" marks them verified once it matches',
  "  /accept <user>              trust a contact's new identity key (after verifying)",
  '  /reply <n> <text>           reply to message n (the number beside it)',
  '  /react <n> <emoji>          react to message n; the same emoji again takes it back',
  '  /edit <n> <text>            change the text of your message n',
  '  /delete <n>                 delete your message n for everyone',
  '  /file <path>                send a file (end-to-end encrypted; ~ is your home folder)',
  '  /save <n> [folder]          save the file of message n (into the current folder by default)',
  '  /members                    who is in this conversation, online and verified',
  "  /devices                    this account's devices",
  '  /presence [on|off]          share when you are online (off: no one sees yours, you see no one’s)',
  '  /timer [<time>|off]         disappearing messages here: 5m, 1h, 1d, 1w … 4w, or off',
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

type Slash = (view: ChatView, args: string[]) => Promise<void>;

/** The one person a command names, in canonical form. */
function one(args: string[], usage: string): string {
  if (args[0] === undefined) throw new CliError(`usage: ${usage}`);
  return username(args[0]);
}

/** The message numbered `typed` on screen (1 is the oldest shown) of the open conversation. */
function numbered(view: ChatView, typed: string | undefined, usage: string): { group: string; id: string } {
  const group = view.need();
  if (typed === undefined) throw new CliError(`usage: ${usage}`);
  const n = Number(typed);
  const numberedOnes = view.state.messages.filter((x) => x.system === undefined); // as screen.ts numbers them
  const m = Number.isInteger(n) ? numberedOnes[n - 1] : undefined;
  if (m === undefined) throw new CliError(`there is no message ${typed} here`);
  return { group, id: m.id };
}

/** `--post-quantum` anywhere among a slash command's words: the others, and whether it was there. */
function postQuantumFlag(words: string[]): { args: string[]; postQuantum: boolean } {
  return { args: words.filter((w) => w !== '--post-quantum'), postQuantum: words.includes('--post-quantum') };
}

/** The open conversation's ciphersuite in words. */
function suiteOf(view: ChatView): string {
  return view.client.conversation(view.need())?.suite?.label ?? 'MLS';
}

function panel(view: ChatView, lines: string[] | undefined): void {
  view.state.panel = lines;
  view.draw();
}

const SLASH: Record<string, Slash> = {
  async dm(view, typed) {
    const { args, postQuantum } = postQuantumFlag(typed);
    if (args.length !== 1) throw new CliError('usage: /dm <user> [--post-quantum]');
    const who = username(args[0]!);
    view.notice(`opening a chat with ${who}…`);
    view.select(await view.client.directConversation(who, { postQuantum }));
    view.notice(`chat with ${who} · end-to-end encrypted · ${suiteOf(view)}`);
  },
  async group(view, typed) {
    const {
      args: [name, ...people],
      postQuantum,
    } = postQuantumFlag(typed);
    if (name === undefined || people.length === 0)
      throw new CliError('usage: /group <name> <user> … [--post-quantum]');
    view.notice(`creating ${name}…`);
    view.select(await view.client.createGroup(name, people.map(username), { postQuantum }));
    view.notice(`group ${name} created · ${suiteOf(view)}`);
  },
  async add(view, args) {
    if (args.length === 0) throw new CliError('usage: /add <user> …');
    await view.client.addMembers(view.need(), args.map(username));
    view.notice(`added ${args.join(', ')}`);
  },
  async remove(view, args) {
    if (args.length !== 1) throw new CliError('usage: /remove <user>');
    await view.client.removeMember(view.need(), username(args[0]!));
    view.notice(`removed ${args[0]}`);
  },
  async leave(view) {
    await view.client.leave(view.need());
    view.notice('you asked to leave; the next member online confirms it');
  },
  async rename(view, args) {
    if (args.length === 0) throw new CliError('usage: /rename <name>');
    await view.client.rename(view.need(), args.join(' '));
  },
  async verify(view, args) {
    const who = one(args, '/verify <user> [ok]');
    if (args[1] === 'ok') {
      await view.client.markVerified(who);
      for (const c of view.client.conversationList())
        if (c.direct && c.members.includes(who)) view.system(c.id, `you marked ${who} verified`);
      view.notice(`${who} is verified`);
      view.state.panel = undefined;
    } else view.state.panel = await view.ctx.safetyNumber(who);
    view.refresh();
  },
  async accept(view, args) {
    const who = one(args, '/accept <user>');
    await view.client.acknowledgeIdentityChange(who);
    view.notice(`${who}'s new key is accepted (not verified: compare safety numbers with /verify ${who})`);
    view.refresh();
  },
  devices: async (view) => panel(view, await view.ctx.devices()),
  async reply(view, [n, ...text]) {
    const usage = '/reply <n> <text>';
    const { group, id } = numbered(view, n, usage);
    if (text.length === 0) throw new CliError(`usage: ${usage}`);
    await view.client.reply(group, id, text.join(' '));
    view.refresh();
  },
  async react(view, [n, emoji]) {
    const usage = '/react <n> <emoji>';
    const { group, id } = numbered(view, n, usage);
    if (emoji === undefined) throw new CliError(`usage: ${usage}`);
    await view.client.react(group, id, emoji);
  },
  async edit(view, [n, ...text]) {
    const usage = '/edit <n> <text>';
    const { group, id } = numbered(view, n, usage);
    if (text.length === 0) throw new CliError(`usage: ${usage}`);
    await view.client.edit(group, id, text.join(' '));
  },
  async delete(view, [n]) {
    const { group, id } = numbered(view, n, '/delete <n>');
    await view.client.deleteMessage(group, id);
  },
  async file(view, args) {
    const group = view.need();
    if (args.length === 0) throw new CliError('usage: /file <path>');
    const path = typedPath(args.join(' '));
    const name = basename(path);
    view.notice(`sending ${name}…`);
    await sendFile(view.client, group, path, {
      onProgress: (done, total) => view.notice(progressText('sending', name, done, total)),
    });
    view.notice(`sent ${name}`);
    view.refresh();
  },
  async save(view, [n, ...folder]) {
    const usage = '/save <n> [folder]';
    const { id } = numbered(view, n, usage);
    const message = view.state.messages.find((m) => m.id === id);
    const file = message?.deleted === true ? undefined : message?.attachment;
    if (file === undefined) throw new CliError(`message ${n} has no file`);
    const dir = folder.length === 0 ? process.cwd() : typedPath(folder.join(' '));
    const path = await saveFile(view.client, file, dir, {
      onProgress: (done, total) => view.notice(progressText('receiving', file.name, done, total)),
    }).catch((e: unknown) => {
      throw new CliError(`message ${n}: ${notSaved(e)}`, { cause: e });
    });
    view.notice(`saved message ${n}'s file as ${path}`);
  },
  async members(view) {
    const c = view.client.conversation(view.need())!;
    const verified = new Set<string>();
    for (const m of c.members) if ((await view.client.contact(m))?.verified) verified.add(m);
    const online = new Set(view.client.connection.state === 'online' ? view.client.online() : []);
    panel(view, memberLines(titleOf(c, view.me), c.members, view.me, online, verified));
  },
  async presence(view, [choice]) {
    view.notice(await presenceSetting(view.client, choice));
    view.refresh();
  },
  async timer(view, [time]) {
    view.notice(await timerSetting(view.client, view.need(), time));
    view.refresh();
  },
  help: async (view) => panel(view, HELP),
};

/** Run a slash command line (`/name args…`); `quit` and `exit` call `stop`. */
export async function runSlashCommand(view: ChatView, line: string, stop: () => void): Promise<void> {
  const [name, ...args] = words(line.slice(1));
  if (name === 'quit' || name === 'exit') return stop();
  const command = name !== undefined && Object.hasOwn(SLASH, name) ? SLASH[name] : undefined;
  if (command === undefined) throw new CliError(`unknown command /${name ?? ''}: /help lists them`);
  await command(view, args);
}
