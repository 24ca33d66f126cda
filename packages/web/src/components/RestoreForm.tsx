/**
 * "Restore from backup" on the sign-in screen (pure view): the backup file, its recovery key and
 * the account's password; this browser becomes a new device of the account (restore.ts).
 */
import { useId, useState } from 'react';
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
      title="Restore from backup"
      busy={busy}
      error={error}
      submitLabel="Restore my account"
      busyLabel="Restoring…"
      onSubmit={() => onSubmit({ file, recoveryKey, password, deviceName })}
      onBack={onBack}
    >
      <p className="muted">
        Your backup file and its recovery key bring back your identity, your contacts and your history up to
        the backup. This browser becomes a new device of your account; your contacts see no change of key.
      </p>
      <label htmlFor={`${id}-file`}>Backup file</label>
      <input
        id={`${id}-file`}
        name="backup-file"
        type="file"
        required
        onChange={(e) => setFile(e.currentTarget.files?.[0])}
      />
      <label htmlFor={`${id}-key`}>Recovery key</label>
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
        The 64 letters and digits shown when you made the backup; spaces and dashes do not matter.
      </p>
      <PasswordField id={id} value={password} onChange={setPassword} />
      <DeviceNameField id={id} value={deviceName} onChange={setDeviceName} />
    </AuthCard>
  );
}
