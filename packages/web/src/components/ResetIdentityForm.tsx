/**
 * "Reset my identity" (pure view): for someone who lost every device and their recovery key. The
 * password alone gives the account a new identity key; the form says plainly what that costs.
 */
import { MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS } from '@parley/core';
import { type FormEvent, useId, useState } from 'react';
import type { ResetValues } from '../identityReset.js';
import { DeviceNameField } from './AuthScreen.js';

interface Props {
  username: string;
  busy: boolean;
  error: string | undefined;
  defaultDeviceName: string;
  onSubmit: (values: ResetValues) => void;
  onBack: () => void;
}

export function ResetIdentityForm(props: Props) {
  const { busy, error, onSubmit, onBack } = props;
  const [username, setUsername] = useState(props.username);
  const [password, setPassword] = useState('');
  const [deviceName, setDeviceName] = useState(props.defaultDeviceName);
  const [understood, setUnderstood] = useState(false);
  const id = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit({ username, password, deviceName, understood });
  };
  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`}>Reset my identity</h1>
        <p>
          Only if you lost <strong>every device</strong> of your account <strong>and</strong> your backup or
          its recovery key. Your account gets a new identity key and this browser becomes its only device:
        </p>
        <ul id={`${id}-costs`}>
          <li>every other device of the account is signed out for good;</li>
          <li>your history and your contacts’ checked keys do not come back;</li>
          <li>
            everyone you talk with is warned that your safety number changed, and should compare it with you
            again.
          </li>
        </ul>
        <label htmlFor={`${id}-user`}>Username</label>
        <input
          id={`${id}-user`}
          name="username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          maxLength={MAX_USERNAME_CHARS}
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
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
        <label className="toggle">
          <input
            type="checkbox"
            name="understood"
            aria-describedby={`${id}-costs`}
            checked={understood}
            onChange={(e) => setUnderstood(e.currentTarget.checked)}
          />
          I understand: a new identity, my old devices signed out, my contacts warned
        </label>
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="danger" disabled={busy}>
          {busy ? 'Resetting…' : 'Reset my identity'}
        </button>
        <button type="button" className="link" onClick={onBack} disabled={busy}>
          Back to sign in
        </button>
      </form>
    </main>
  );
}
