/**
 * "Restore from backup" on the sign-in screen (pure view): the backup file, its recovery key and
 * the account's password; this browser becomes a new device of the account (restore.ts).
 */
import { useId, useState } from 'react';
import { t } from '../i18n/t.js';
import { MAX_RECOVERY_KEY_TYPED, type RestoreValues } from '../restore.js';
import { AuthCard } from './AuthCard.js';
import { DeviceNameField } from './AuthScreen.js';
import { PasswordField } from './Forms.js';

interface Props {
  busy: boolean;
  error: string | undefined;
  defaultDeviceName: string;
  onSubmit: (values: RestoreValues) => void;
  onBack: () => void;
}

export function RestoreForm({ busy, error, defaultDeviceName, onSubmit, onBack }: Props) {
  const [file, setFile] = useState<File | undefined>();
  const [recoveryKey, setRecoveryKey] = useState('');
  const [password, setPassword] = useState('');
  const [deviceName, setDeviceName] = useState(defaultDeviceName);
  const id = useId();
  return (
    <AuthCard
      title={t('auth.restore')}
      busy={busy}
      error={error}
      submitLabel={t('restore.submit')}
      busyLabel={t('restore.busy')}
      onSubmit={() => onSubmit({ file, recoveryKey, password, deviceName })}
      onBack={onBack}
    >
      <p className="muted">{t('restore.intro')}</p>
      <label htmlFor={`${id}-file`}>{t('restore.file')}</label>
      <input
        id={`${id}-file`}
        name="backup-file"
        type="file"
        required
        onChange={(e) => setFile(e.currentTarget.files?.[0])}
      />
      <label htmlFor={`${id}-key`}>{t('backup.recoveryKey')}</label>
      <textarea
        id={`${id}-key`}
        name="recovery-key"
        rows={4}
        autoCapitalize="characters"
        autoComplete="off"
        spellCheck={false}
        maxLength={MAX_RECOVERY_KEY_TYPED}
        aria-describedby={`${id}-key-note`}
        required
        value={recoveryKey}
        onChange={(e) => setRecoveryKey(e.target.value)}
      />
      <p id={`${id}-key-note`} className="muted small">
        {t('restore.keyNote')}
      </p>
      <PasswordField id={id} value={password} onChange={setPassword} />
      <DeviceNameField id={id} value={deviceName} onChange={setDeviceName} />
    </AuthCard>
  );
}
