/**
 * "Reset my identity" (pure view): for someone who lost every device and their recovery key. The
 * password alone gives the account a new identity key; the form says plainly what that costs.
 */
import { useId, useState } from 'react';
import type { ResetValues } from '../identityReset.js';
import { AuthCard } from './AuthCard.js';
import { DeviceNameField, UsernameField } from './AuthScreen.js';
import { PasswordField } from './Forms.js';

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
  return (
    <AuthCard
      title="Reset my identity"
      busy={busy}
      error={error}
      submitLabel="Reset my identity"
      busyLabel="Resetting…"
      danger
      onSubmit={() => onSubmit({ username, password, deviceName, understood })}
      onBack={onBack}
    >
      <p>
        Only if you lost <strong>every device</strong> of your account <strong>and</strong> your backup or its
        recovery key. Your account gets a new identity key and this browser becomes its only device:
      </p>
      <ul id={`${id}-costs`}>
        <li>every other device of the account is signed out for good;</li>
        <li>your history and your contacts’ checked keys do not come back;</li>
        <li>
          everyone you talk with is warned that your safety number changed, and should compare it with you
          again.
        </li>
      </ul>
      <UsernameField id={id} value={username} onChange={setUsername} />
      <PasswordField id={id} value={password} onChange={setPassword} />
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
    </AuthCard>
  );
}
