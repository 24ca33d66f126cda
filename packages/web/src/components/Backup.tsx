/**
 * "Back up my account" in the Privacy dialog: an encrypted backup file (identity, contacts' keys
 * and marks, names, history, blocks) to download, and its recovery key shown once — the only way
 * to open the file, never sent anywhere. `parley backup import FILE <server> <user>` restores it on
 * a new machine (the README says how). Only the account's first device holds the identity key.
 */
import type { NewBackup } from '@parley/client';
import { useEffect, useState } from 'react';
import { Rich } from '../i18n/Rich.js';
import { t } from '../i18n/t.js';

interface Props {
  /** This device holds the account's identity key (a linked device cannot make a backup). */
  canBackUp: boolean;
  busy: boolean;
  onBackup: () => Promise<NewBackup>;
  run: (work: () => Promise<void>) => Promise<void>;
}

export function BackupSection({ canBackUp, busy, onBackup, run }: Props) {
  const [made, setMade] = useState<{ url: string; recoveryKey: string; name: string } | undefined>();
  // The object URL holds the (encrypted) file in memory: revoked when replaced or closed.
  useEffect(
    () => () => {
      if (made !== undefined) URL.revokeObjectURL(made.url);
    },
    [made],
  );
  const create = () =>
    void run(async () => {
      const backup = await onBackup();
      const bytes = new Uint8Array(backup.file);
      setMade({
        url: URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' })),
        recoveryKey: backup.recoveryKey,
        name: `parley-backup-${new Date().toISOString().slice(0, 10)}.parley`,
      });
    });
  return (
    <section className="stack" aria-labelledby="backup-heading">
      <h3 id="backup-heading">{t('backup.heading')}</h3>
      <p>{canBackUp ? t('backup.intro') : t('backup.firstDeviceOnly')}</p>
      <div className="row">
        <button type="button" disabled={busy || !canBackUp} onClick={create}>
          {made === undefined ? t('backup.make') : t('backup.makeNew')}
        </button>
      </div>
      {made !== undefined && (
        <div className="stack">
          <p>
            <Rich id="backup.writeDown" values={{}} />
          </p>
          <h4 id="recovery-key-heading">{t('backup.recoveryKey')}</h4>
          <pre className="recovery-key" data-testid="recovery-key" aria-describedby="recovery-key-heading">
            {made.recoveryKey.split(' ').join('\n')}
          </pre>
          <p className="row downloads">
            <a href={made.url} download={made.name}>
              {t('backup.download')}
            </a>
          </p>
        </div>
      )}
    </section>
  );
}
