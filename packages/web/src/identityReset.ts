/**
 * Starting over in the browser when every device and the recovery key are lost (issue #18, SDK
 * identityReset.ts): with the password alone the account takes a new identity key and this
 * browser becomes its only device; every other device is revoked, no history comes back, and
 * contacts are warned that the person's key changed.
 */
import { prepareResetDevice, resetIdentity } from '@parley/client';
import { deviceLabel } from './deviceName.js';
import { t } from './i18n/t.js';
import {
  checkTypedPassword,
  checkUsername,
  devices,
  guarded,
  openClient,
  type SignedIn,
  suite,
  UserError,
} from './session.js';

export interface ResetValues {
  username: string;
  password: string;
  deviceName: string;
  /** The person ticked that they understand what a reset means. */
  understood: boolean;
}

export async function resetIdentityHere(values: ResetValues): Promise<SignedIn> {
  const username = checkUsername(values.username);
  checkTypedPassword(values.password);
  if (!values.understood) throw new UserError(t('reset.tick'));
  const store = await devices();
  if ((await store.list()).some((d) => d.accountId === username))
    throw new UserError(t('reset.holdsDevice', { username }));
  const { identity, reset } = await guarded(async (api) => {
    const done = await resetIdentity(
      api,
      username,
      values.password,
      await suite(),
      deviceLabel(values.deviceName),
    );
    // The web app needs no server session: the device key authenticates the socket.
    await api.logout(done.reset.token).catch(() => {});
    return done;
  });
  const saved = await store.save(identity);
  const records = await store.openRecords(identity.accountId);
  try {
    await prepareResetDevice(records, saved.storageKey, reset);
  } finally {
    await records.close();
  }
  return openClient(identity.accountId);
}
