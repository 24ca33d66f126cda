/**
 * "Reset my identity" (pure view): for someone who lost every device and their recovery key. The
 * password alone gives the account a new identity key; the form says plainly what that costs.
 */
import { useId, useState } from 'react';
import { Rich } from '../i18n/Rich.js';
import { t } from '../i18n/t.js';
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
      title={t('reset.title')}
      busy={busy}
      error={error}
      submitLabel={t('reset.title')}
      busyLabel={t('reset.busy')}
      danger
      onSubmit={() => onSubmit({ username, password, deviceName, understood })}
      onBack={onBack}
    >
      <p>
        <Rich id="reset.intro" values={{}} />
      </p>
      <ul id={`${id}-costs`}>
        <li>{t('reset.costDevices')}</li>
        <li>{t('reset.costHistory')}</li>
        <li>{t('reset.costContacts')}</li>
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
        {t('reset.understood')}
      </label>
    </AuthCard>
  );
}
