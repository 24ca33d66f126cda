/**
 * History for a machine just linked (issue #18, @parley/client historyTransfer.ts): `parley devices
 * add` sends it (how far back: `--history all|30d|none`, asked on a terminal), `parley login` with
 * a link code receives it before the new device first connects, both with progress on stderr.
 */
import { join } from 'node:path';
import { declineHistory, HISTORY_WAIT_MS, type ParleyApi, receiveHistory } from '@parley/client';
import {
  nodeSocketFactoryTrusting,
  type ServerTrust,
  SqliteRecordStore,
  trustingBlobHttp,
} from '@parley/client/node';
import type { DeviceIdentity, StorageKey } from '@parley/core';
import { nativeCiphersuite, nodeAttachmentPrimitives } from '@parley/core/node';
import { runClientCommand } from './clientCommand.js';
import { openCurrent, syncOrThrow } from './connect.js';
import { CliError } from './errors.js';
import { stderrProgress } from './files.js';
import type { ClientWork } from './handOff.js';
import { processOutput } from './output.js';
import { askSecret } from './prompt.js';
import { apiFor, trustIn } from './serverTrust.js';

export const HISTORY_FLAG = { history: { type: 'string' } } as const;
export const HISTORY_USAGE = '[--history all|<days>d|none]';
const DAY_MS = 86_400_000;

const counted = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** How far back, as typed: `all` (0: everything), `<n>d` (the last n days), or `none` (null). */
export function historySince(typed: string, now = Date.now()): number | null {
  const t = typed.trim().toLowerCase();
  if (t === 'all') return 0;
  if (t === 'none' || t === 'no') return null;
  const days = /^(\d{1,5})d$/.exec(t);
  if (days !== null) return now - Number(days[1]) * DAY_MS;
  throw new CliError(`--history takes all, a number of days such as 30d, or none (not ${typed})`);
}

/** The choice from the flag, else asked on a terminal (30d when Enter alone); none for a script. */
async function chosenSince(flag: string | undefined): Promise<number | null> {
  if (flag !== undefined) return historySince(flag);
  if (!process.stdin.isTTY) return null;
  const typed = await askSecret(
    'Send your history to the new device? all, 30d, none [30d]: ',
    'PARLEY_HISTORY',
    true,
  );
  return historySince(typed === '' ? '30d' : typed);
}

/**
 * On the device that linked a new one with `code`: send the history chosen, or say none comes.
 * Sending works with the profile's client: here, or handed to the `parley chat` that owns the
 * profile (`devices` is a client command: sendHistoryWork), never as a second writer.
 */
export async function offerHistory(
  api: ParleyApi,
  token: string,
  code: string,
  flag: string | undefined,
): Promise<void> {
  const since = await chosenSince(flag);
  if (since === null) {
    await declineHistory(api, token, code);
    process.stdout.write('No history is sent to the new device.\n');
    return;
  }
  await runClientCommand('devices', [SEND, code, String(since), token], {});
}

const SEND = 'send-history';

/** `devices send-history <code> <since> <token>`, run with the profile's client (see offerHistory). */
export const sendHistoryWork: ClientWork = async (client, [sub, code, since, token], _flags, output) => {
  if (sub !== SEND || code === undefined || token === undefined || !/^\d{1,16}$/.test(since ?? ''))
    throw new CliError('usage: parley devices add [--history all|<days>d|none]');
  const current = await openCurrent();
  const api = apiFor(current.profile.server, trustIn(current.dir));
  client.start();
  await syncOrThrow(client);
  const progress = stderrProgress(output, 'sending', 'history');
  const sent = await client.sendHistory(api, token, code, {
    since: Number(since),
    ...(progress.onProgress !== undefined ? { onProgress: progress.onProgress } : {}),
  });
  progress.end();
  output.out(
    `Sent ${counted(sent.messages, 'message')} of ${counted(sent.conversations, 'conversation')} to the new device, end-to-end encrypted.\n`,
  );
};

/** On the new machine, before its client first opens: wait for the history and write it. */
export async function takeHistory(
  api: ParleyApi,
  token: string,
  code: string,
  saved: { dir: string; key: StorageKey },
  identity: DeviceIdentity,
  server: string,
  trust: ServerTrust | undefined,
): Promise<void> {
  process.stdout.write(
    `Waiting for your history from the other device (up to ${HISTORY_WAIT_MS / 60_000} minutes)…\n`,
  );
  const records = new SqliteRecordStore(join(saved.dir, 'client.sqlite3'));
  const progress = stderrProgress(processOutput, 'receiving', 'history');
  try {
    const got = await receiveHistory({
      api,
      token,
      code,
      identity,
      serverUrl: server,
      records,
      storageKey: saved.key,
      signature: (await nativeCiphersuite()).signature,
      socketFactory: nodeSocketFactoryTrusting(trust),
      ...(trust !== undefined ? { blobHttp: trustingBlobHttp(trust) } : {}),
      primitives: nodeAttachmentPrimitives,
      ...(progress.onProgress !== undefined ? { onProgress: progress.onProgress } : {}),
    });
    progress.end();
    process.stdout.write(
      got === null
        ? 'No history came from the other device: this device starts with an empty history.\n'
        : `Received ${counted(got.messages, 'message')} of ${counted(got.conversations, 'conversation')} from your other device.\n`,
    );
  } finally {
    await records.close();
  }
}
