/**
 * "Restore from backup" on the sign-in screen (pure view): the backup file, its recovery key and
 * the account's password; this browser becomes a new device of the account (restore.ts).
 */
import { MAX_PASSWORD_CHARS } from '@parley/core';
import { type FormEvent, useId, useState } from 'react';
import { MAX_RECOVERY_KEY_TYPED, type RestoreValues } from '../restore.js';
import { DeviceNameField } from './AuthScreen.js';

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
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit({ file, recoveryKey, password, deviceName });
  };
  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>Restore from backup</h1>
        <p className="muted" id={`${id}-intro`}>
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
        <label htmlFor={`${id}-pass`}>Password</label>
        <input
          id={`${id}-pass`}
          name="password"
          type="password"
          autoComplete="current-password"
          maxLength={MAX_PASSWORD_CHARS}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <DeviceNameField id={id} value={deviceName} onChange={setDeviceName} />
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Restoring…' : 'Restore my account'}
        </button>
        <button type="button" className="link" onClick={onBack} disabled={busy}>
          Back to sign in
        </button>
      </form>
    </main>
  );
}
