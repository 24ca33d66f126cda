/**
 * `parley backup export FILE` and `parley backup import FILE <server-url> <username>`: an
 * encrypted backup of the account (the SDK's backup.ts). Export writes the file (readable by its
 * owner alone, never over an existing file) and prints its recovery key once. Import, on a machine
 * without a device of the account, asks for the recovery key (or PARLEY_RECOVERY_KEY) and the
 * password, registers a new device certified by the restored identity key, puts back the pinned
 * contacts, names, history and blocks, and joins the account's conversations.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readBackup, restoreDevice, writeBackupRecords } from '@parley/client';
import { SqliteRecordStore } from '@parley/client/node';
import { MAX_BACKUP_BYTES } from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';
import { runClientCommand } from '../clientCommand.js';
import type { Command, Flags } from '../command.js';
import { openClient, trySync } from '../connect.js';
import { DEVICE_NAME_FLAG, DEVICE_NAME_USAGE, deviceLabelFrom } from '../deviceName.js';
import { CliError } from '../errors.js';
import type { ClientWork } from '../handOff.js';
import { profileDir, saveProfile } from '../profile.js';
import { askSecret } from '../prompt.js';
import { apiFor, explainingTrust, TRUST_FLAGS, TRUST_USAGE, trustFromFlags } from '../serverTrust.js';
import { serverUrl } from './account.js';

const USAGE = `usage: parley backup export <file> | parley backup import <file> <server-url> <username> ${TRUST_USAGE}`;

const exportBackup: ClientWork = async (client, [, file], _flags, output) => {
  if (existsSync(file!)) throw new CliError(`${file} exists already; choose a new file name`);
  // Catch up first when the server is reachable; without it, what this device holds is backed up.
  client.start();
  await trySync(client, 5_000);
  const { file: bytes, recoveryKey } = await client.exportBackup();
  writeFileSync(file!, bytes, { mode: 0o600, flag: 'wx' });
  output.out(
    `Wrote an encrypted backup of ${client.accountId} to ${file} (${bytes.length} bytes).\n\n` +
      'Your recovery key (shown this once — write it down and keep it apart from the file):\n\n' +
      `${recoveryKey
        .split(' ')
        .map((line) => `  ${line}`)
        .join('\n')}\n\n` +
      'Without it the backup cannot be opened; anyone with both the file and the key can become you.\n',
  );
};

function readFile(file: string): Uint8Array {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new CliError(`cannot read ${file}`);
  }
  if (size > MAX_BACKUP_BYTES)
    throw new CliError(`${file} is larger than any backup (${MAX_BACKUP_BYTES} bytes)`);
  return new Uint8Array(readFileSync(file));
}

async function importBackup([, file, typedServer, username]: string[], flags: Flags): Promise<void> {
  const server = serverUrl(typedServer!);
  const bytes = readFile(file!);
  // Everything about the file and the key is checked before anything is written or sent.
  const backup = readBackup(bytes, await askSecret('Recovery key: ', 'PARLEY_RECOVERY_KEY', true));
  if (existsSync(join(profileDir(server, backup.accountId), 'device.parley')))
    throw new CliError(`this machine already has a device of ${backup.accountId} on ${server}`);
  const trust = await trustFromFlags(server, flags);
  await explainingTrust(server, async () => {
    const api = apiFor(server, trust);
    const password = await askSecret('Password: ');
    const cs = await nativeCiphersuite();
    const identity = await restoreDevice(api, backup, username!, password, cs, deviceLabelFrom(flags));
    const saved = await saveProfile(server, identity, password, trust);
    const records = new SqliteRecordStore(join(saved.dir, 'client.sqlite3'));
    await writeBackupRecords(records, saved.key, backup);
    await records.close();
    const client = await openClient({ ...saved, identity });
    const joined = client.conversations().filter((id) => client.epoch(id) !== undefined).length;
    await client.close();
    const messages = backup.records.filter((r) => r.ns.startsWith('messages:')).length;
    process.stdout.write(
      `Restored ${identity.accountId} on ${server}: this machine is the new device ${identity.deviceId}, ` +
        `with ${messages} messages from the backup of ${new Date(backup.createdAt).toISOString()}; ` +
        `it joined ${joined} conversations. Secure session started.\n`,
    );
  });
}

export const backupCommand: Command = {
  args: `export <file> | import <file> <server-url> <username> ${TRUST_USAGE} ${DEVICE_NAME_USAGE}`,
  summary: 'an encrypted backup of your account (recovery key shown once), or restore one here',
  flags: { ...TRUST_FLAGS, ...DEVICE_NAME_FLAG },
  arity: [2, 4],
  server: ([sub, , server]) => (sub === 'import' ? server : undefined),
  withClient: exportBackup,
  run: async (args, flags) => {
    if (args[0] === 'export' && args.length === 2)
      return runClientCommand('backup', ['export', resolve(args[1]!)], flags);
    if (args[0] === 'import' && args.length === 4) return importBackup(args, flags);
    throw new CliError(USAGE);
  },
};
