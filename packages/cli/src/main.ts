#!/usr/bin/env node
/**
 * `parley` — Parley from the terminal: reads the command line (node:util parseArgs) and runs the
 * command (one module each under commands/); a failure prints `parley: <what went wrong>` (the
 * client's errorText, chosen by the error's code) and exits 1.
 *
 * The password is asked for on the terminal (or read from PARLEY_PASSWORD, for scripts); it
 * unlocks this device's local state, which is encrypted with a key derived from it (scrypt), and it
 * logs in with OPAQUE: the server never receives it. Profiles live in PARLEY_HOME (~/.parley).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clientCommands } from './clientCommand.js';
import type { Command } from './command.js';
import { loginCommand, registerCommand } from './commands/account.js';
import { accountCommand } from './commands/accountDelete.js';
import {
  deleteCommand,
  editCommand,
  reactCommand,
  replyCommand,
  reportCommand,
} from './commands/annotate.js';
import { auditCommand } from './commands/audit.js';
import { backupCommand } from './commands/backup.js';
import { blockCommand, unblockCommand } from './commands/block.js';
import { chatCommand } from './commands/chat.js';
import { devicesCommand } from './commands/devices.js';
import { exportCommand } from './commands/export.js';
import { groupCommand } from './commands/group.js';
import { presenceCommand } from './commands/presence.js';
import { readCommand } from './commands/read.js';
import { searchCommand } from './commands/search.js';
import { sendCommand } from './commands/send.js';
import { serveCommand } from './commands/serve.js';
import { timerCommand } from './commands/timer.js';
import { verifyCommand } from './commands/verify.js';
import { whoamiCommand } from './commands/whoami.js';
import { CliError, failureLine } from './errors.js';
import { currentProfile, home } from './profile.js';

const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  register: registerCommand,
  login: loginCommand,
  chat: chatCommand,
  send: sendCommand,
  reply: replyCommand,
  react: reactCommand,
  edit: editCommand,
  delete: deleteCommand,
  report: reportCommand,
  group: groupCommand,
  read: readCommand,
  search: searchCommand,
  timer: timerCommand,
  block: blockCommand,
  unblock: unblockCommand,
  export: exportCommand,
  backup: backupCommand,
  verify: verifyCommand,
  devices: devicesCommand,
  presence: presenceCommand,
  whoami: whoamiCommand,
  account: accountCommand,
  audit: auditCommand,
};

for (const [name, command] of Object.entries(COMMANDS))
  if (command.withClient !== undefined) clientCommands.set(name, command.withClient);

const usageOf = (name: string) => `parley ${name} ${COMMANDS[name]!.args}`.trimEnd();

const USAGE = (() => {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => usageOf(name).length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${usageOf(name).padEnd(width)}  ${c.summary}`);
  return `usage:\n${lines.join('\n')}\n`;
})();

/** The command's arguments and flags, checked against what it takes. */
function parse(name: string, command: Command, argv: string[]) {
  if (command.flags === undefined) return { args: argv, flags: {} };
  try {
    const { positionals, values } = parseArgs({ args: argv, options: command.flags, allowPositionals: true });
    return { args: positionals, flags: values };
  } catch (e) {
    if (!(e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw e;
    throw new CliError(`${(e as Error).message}\nusage: ${usageOf(name)}`);
  }
}

/** The server this run talks to, for the error line: the one on the command line, else the current profile's. */
function serverOf(command: Command, args: string[]): string | undefined {
  if (command.server !== undefined) return command.server(args);
  try {
    return currentProfile().profile.server;
  } catch {
    return undefined; // no profile yet
  }
}

async function main(argv: string[], run: { server?: string | undefined }): Promise<void> {
  const [name = 'help', ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`parley ${version}\n`);
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    process.stdout.write(USAGE);
    if (name !== 'help' && name !== '--help' && name !== '-h') throw new CliError(`unknown command ${name}`);
    return;
  }
  const { args, flags } = parse(name, command, rest);
  const [fewest, most] = command.arity;
  if (args.length < fewest || args.length > most) throw new CliError(`usage: ${usageOf(name)}`);
  run.server = serverOf(command, args);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  await command.run(args, flags);
}

const thisRun: { server?: string | undefined } = {};
main(process.argv.slice(2), thisRun).then(
  () => {
    if (process.argv[2] !== 'serve') process.exit(process.exitCode ?? 0);
  },
  (e: unknown) => {
    process.stderr.write(failureLine(e, thisRun.server));
    process.exit(1);
  },
);
