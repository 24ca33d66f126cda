/**
 * `parley account reset-identity <server-url> <username>`: for a person who lost every device and
 * their recovery key (with the key, `parley backup import` keeps the identity instead). With the
 * password alone, the account takes a new identity key and this machine becomes its only device
 * (@parley/client identityReset.ts): every other device is revoked, the history is not recovered,
 * and contacts are warned that the person's key changed. On a terminal the person types the
 * username to confirm (`--yes` skips that, for scripts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareResetDevice, resetIdentity } from '@parley/client';
import { SqliteRecordStore } from '@parley/client/node';
import { canonicalUsername } from '@parley/core';
import { nativeCiphersuite } from '@parley/core/node';
import type { Flags } from '../command.js';
import { openClient } from '../connect.js';
import { deviceLabelFrom } from '../deviceName.js';
import { CliError } from '../errors.js';
import { profileDir, saveProfile } from '../profile.js';
import { askSecret } from '../prompt.js';
import { apiFor, explainingTrust, trustFromFlags } from '../serverTrust.js';
import { serverUrl } from './account.js';
import { confirmByName } from './confirm.js';

export async function resetIdentityCommand(
  [, typedServer, typedName]: string[],
  flags: Flags,
): Promise<void> {
  const server = serverUrl(typedServer!);
  const username = canonicalUsername(typedName!);
  if (existsSync(join(profileDir(server, username), 'device.parley')))
    throw new CliError(
      `this machine has a device of ${username} on ${server}: use it (parley login), or make a backup there (parley backup export); nothing was reset`,
    );
  await confirmByName(
    username,
    flags,
    `This gives ${username} a new identity key. Every device of the account is revoked, the history on them is not recovered here, and your contacts are warned that your key changed.`,
    'nothing was reset',
  );
  const trust = await trustFromFlags(server, flags);
  await explainingTrust(server, async () => {
    const api = apiFor(server, trust);
    const password = await askSecret('Password: ');
    const cs = await nativeCiphersuite();
    const { identity, reset } = await resetIdentity(api, username, password, cs, deviceLabelFrom(flags));
    const saved = await saveProfile(server, identity, password, trust);
    const records = new SqliteRecordStore(join(saved.dir, 'client.sqlite3'));
    await prepareResetDevice(records, saved.key, reset);
    await records.close();
    // The first sync joins the account's conversations and takes the former devices out of them.
    const client = await openClient({ ...saved, identity });
    const joined = client.conversations().filter((id) => client.epoch(id) !== undefined).length;
    await client.close();
    await api.logout(reset.token).catch(() => {});
    process.stdout.write(
      `Reset the identity of ${identity.accountId} on ${server}: a new identity key; ` +
        `${reset.revokedDevices.length} former devices revoked. This machine is the new device ${identity.deviceId}; ` +
        `it joined ${joined} conversations. Your contacts are warned that your safety number changed: compare it with them again (parley verify).\n`,
    );
  });
}
