/**
 * Restoring an encrypted backup in the browser (issue #18), as `parley backup import` does: the
 * file is opened with the recovery key as typed and checked before anything is sent or written
 * (a wrong key or a typo stops here, nothing kept); then the password signs in, a new device
 * certified by the restored identity key is registered, kept in this browser, and the backup's
 * records (pinned contacts and marks, names, history, blocks) are written into its store before its
 * client first opens. Contacts see a new device of the same identity: no key change. The new
 * device joins the account's conversations by itself at its first sync (SDK backup.ts).
 */
import { readBackup, restoreDevice, writeBackupRecords } from '@parley/client';
import { MAX_BACKUP_BYTES, RECOVERY_KEY_CHARS } from '@parley/core';
import { deviceLabel } from './deviceName.js';
import { t } from './i18n/t.js';
import {
  checkTypedPassword,
  devices,
  explain,
  guarded,
  openClient,
  type SignedIn,
  suite,
  UserError,
} from './session.js';

/** Room for the recovery key's spaces, dashes and line breaks as people type or paste it. */
export const MAX_RECOVERY_KEY_TYPED = 2 * RECOVERY_KEY_CHARS;

/** What the restore form gives: the chosen file, the recovery key as typed, the password. */
export interface RestoreValues {
  file: File | undefined;
  recoveryKey: string;
  password: string;
  deviceName: string;
}

async function fileBytes(file: File | undefined): Promise<Uint8Array> {
  if (file === undefined) throw new UserError(t('restore.chooseFile'));
  if (file.size > MAX_BACKUP_BYTES) throw new UserError(t('restore.fileTooLarge'));
  return new Uint8Array(await file.arrayBuffer());
}

/** Restore the account of the backup on this browser, as a new device; then open it. */
export async function restoreBackup(values: RestoreValues): Promise<SignedIn> {
  const bytes = await fileBytes(values.file);
  if (values.recoveryKey.trim().length === 0) throw new UserError(t('restore.typeKey'));
  if (values.recoveryKey.length > MAX_RECOVERY_KEY_TYPED) throw new UserError(t('restore.keyTooLong'));
  checkTypedPassword(values.password);
  let backup: ReturnType<typeof readBackup>;
  try {
    backup = readBackup(bytes, values.recoveryKey);
  } catch (e) {
    throw new UserError(explain(e));
  }
  const store = await devices();
  if ((await store.list()).some((d) => d.accountId === backup.accountId))
    throw new UserError(t('restore.holdsDevice', { accountId: backup.accountId }));
  const identity = await guarded(async (api) =>
    restoreDevice(
      api,
      backup,
      backup.accountId,
      values.password,
      await suite(),
      deviceLabel(values.deviceName),
    ),
  );
  const saved = await store.save(identity);
  const records = await store.openRecords(identity.accountId);
  try {
    await writeBackupRecords(records, saved.storageKey, backup);
  } catch (e) {
    // A device without its history would look restored and is not: take it off this browser.
    await records.close();
    await store.remove(identity.accountId);
    throw new UserError(explain(e));
  }
  await records.close();
  return openClient(identity.accountId);
}
