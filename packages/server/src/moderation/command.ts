/**
 * The operator's commands, run beside (or without) a running server on the same database:
 *   parley-server accounts list [--json]            accounts disable|enable|delete <username>
 *   parley-server invites create [--count N]        invites list [--json]      invites revoke <id>
 *   parley-server reports list [--all] [--json]    reports resolve <id>
 *   parley-server stats [--json]
 * Each also takes the server's options (--data-dir, --database, --config, …) to find the database.
 * `invite [--count N]` stays as the older spelling of `invites create`.
 */
import { blobStorage } from '../blobs/index.js';
import { ConfigError, configFrom, parseFlags, type ServerConfig } from '../config.js';
import { type Db, openDatabase } from '../db.js';
import { deleteAccount, disableAccount, enableAccount, listAccounts, OperatorError } from './accounts.js';
import { createInvites, listInvites, revokeInvite } from './invites.js';
import { listReports, resolveReport } from './reports.js';
import { serverStats } from './stats.js';

export const OPERATOR_USAGE = `operator commands:
  parley-server accounts list [--json]
  parley-server accounts disable <username>     (cuts its connections within a second)
  parley-server accounts enable <username>
  parley-server accounts delete <username>      (for good, without asking; its name stays reserved)
  parley-server invites create [--count N]      (codes are shown once)
  parley-server invites list [--json]
  parley-server invites revoke <id>
  parley-server reports list [--all] [--json]   (messages people reported, newest first)
  parley-server reports resolve <id>
  parley-server stats [--json]
each with the server's options to find its database (--data-dir, --database, --config)`;

type Out = (line: string) => void;

const when = (ms: number | null) => (ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

/** Delete an account and say what went. */
async function deleteOne(db: Db, config: ServerConfig, target: string, out: Out) {
  const d = await deleteAccount(db, blobStorage(db, config), target, config.deletedNameQuarantineDays);
  out(
    `deleted ${d.username}: ${d.devices.length} devices, ${d.keyPackages} key packages, ${d.sessions} sessions, ${d.blobs} attachments, ${d.blocks} blocks, ${d.reports} reports it filed`,
  );
  out(`the name ${d.username} and its lookalikes are reserved until ${when(d.reservedUntil)}`);
}

async function accounts(
  db: Db,
  config: ServerConfig,
  action: string | undefined,
  target: string | undefined,
  json: boolean,
  out: Out,
) {
  if (action === 'list') {
    const rows = await listAccounts(db, { limit: 100_000 });
    if (json) out(JSON.stringify(rows));
    else
      for (const r of rows)
        out(
          `${r.username.padEnd(24)} ${String(r.devices).padStart(2)} devices  created ${when(r.createdAt)}  last seen ${when(r.lastSeen)}${r.disabledAt === null ? '' : `  DISABLED ${when(r.disabledAt)}`}`,
        );
    return;
  }
  if ((action === 'disable' || action === 'enable') && target !== undefined) {
    const changed = action === 'disable' ? await disableAccount(db, target) : await enableAccount(db, target);
    out(changed ? `${action}d ${target}` : `${target} was already ${action}d`);
    return;
  }
  if (action === 'delete' && target !== undefined) return deleteOne(db, config, target, out);
  throw new ConfigError(
    `usage: parley-server accounts list | disable <username> | enable <username> | delete <username>`,
  );
}

async function invites(
  db: Db,
  action: string | undefined,
  arg: string | undefined,
  count: string | undefined,
  json: boolean,
  out: Out,
) {
  if (action === 'create') {
    const n = Number(count ?? 1);
    if (!Number.isInteger(n) || n < 1 || n > 1000) throw new ConfigError('--count must be 1 to 1000');
    for (const code of await createInvites(db, n)) out(code);
    return;
  }
  if (action === 'list') {
    const rows = await listInvites(db);
    if (json) out(JSON.stringify(rows));
    else
      for (const r of rows)
        out(
          `${r.id}  created ${when(r.createdAt)}  ${r.usedAt === null ? 'unused' : `used ${when(r.usedAt)} by ${r.usedBy}`}`,
        );
    return;
  }
  if (action === 'revoke' && arg !== undefined) {
    await revokeInvite(db, arg);
    out(`revoked ${arg}`);
    return;
  }
  throw new ConfigError('usage: parley-server invites create [--count N] | list | revoke <id>');
}

async function reports(
  db: Db,
  action: string | undefined,
  id: string | undefined,
  flags: { json: boolean; all: boolean },
  out: Out,
) {
  if (action === 'list') {
    const rows = await listReports(db, { all: flags.all });
    if (flags.json) out(JSON.stringify(rows));
    else
      for (const r of rows) {
        const what =
          r.file === undefined
            ? JSON.stringify(r.text)
            : `file ${JSON.stringify(r.file.name)} (${r.file.mimeType}, ${r.file.size} bytes)`;
        out(
          `${r.id}  ${when(r.createdAt)}  ${r.reporter} reports ${r.reported}: ${what}; reason: ${JSON.stringify(r.reason)}${r.resolvedAt === null ? '' : '  (resolved)'}`,
        );
      }
    return;
  }
  if (action === 'resolve' && id !== undefined) {
    await resolveReport(db, id);
    out(`resolved ${id}`);
    return;
  }
  throw new ConfigError('usage: parley-server reports list [--all] | resolve <id>');
}

/** Words, `--json`, `--all`, and the options (every other `--flag` takes a value: `--flag v` or `--flag=v`). */
function split(args: string[]): { positional: string[]; options: string[]; json: boolean; all: boolean } {
  const positional: string[] = [];
  const options: string[] = [];
  let json = false;
  let all = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json') json = true;
    else if (a === '--all') all = true;
    else if (!a.startsWith('--')) positional.push(a);
    else {
      options.push(a);
      if (!a.includes('=') && i + 1 < args.length) options.push(args[++i]!);
    }
  }
  return { positional, options, json, all };
}

/** Run `argv` if it is an operator command; false when it is not one (the server starts instead). */
export async function runOperatorCommand(argv: string[], env: NodeJS.ProcessEnv, out: Out): Promise<boolean> {
  const [command, ...rest] = argv;
  if (!['accounts', 'invites', 'invite', 'reports', 'stats'].includes(command ?? '')) return false;
  const { positional, options, json, all } = split(rest);
  const { flags, configFile, extra } = parseFlags(options, { count: { type: 'string' } });
  const config = configFrom(flags, configFile ?? env.PARLEY_CONFIG, env);
  const db = await openDatabase(config);
  try {
    if (command === 'accounts') await accounts(db, config, positional[0], positional[1], json, out);
    else if (command === 'invite') await invites(db, 'create', undefined, extra.count, json, out);
    else if (command === 'invites') await invites(db, positional[0], positional[1], extra.count, json, out);
    else if (command === 'reports') await reports(db, positional[0], positional[1], { json, all }, out);
    else {
      const stats = await serverStats(db);
      if (json) out(JSON.stringify(stats));
      else for (const [k, v] of Object.entries(stats)) out(`${k.padEnd(20)} ${v}`);
    }
  } catch (e) {
    if (e instanceof OperatorError) throw new ConfigError(e.message);
    throw e;
  } finally {
    await db.destroy();
  }
  return true;
}
