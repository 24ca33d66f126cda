/** The sign-in and registration form, bounded by core's and the SDK's limits (pure view). */
import { LINK_CODE_CHARS } from '@parley/client';
import {
  MAX_ACCESS_PASSWORD_CHARS,
  MAX_INVITE_CODE_CHARS,
  MAX_PASSWORD_CHARS,
  MAX_USERNAME_CHARS,
  MIN_PASSWORD_CHARS,
} from '@parley/core';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { t } from '../i18n/t.js';
import { LanguageSelect } from './LanguageSelect.js';

export type AccessPolicy = 'open' | 'password' | 'invite';

export interface AuthValues {
  username: string;
  password: string;
  /** The server's access password or an invite code, when the server asks for one. */
  secret: string;
  /** A device link code (signing in on a browser that holds no device of the account). */
  linkCode: string;
  /** The name this browser gets as a device of the account (registering or linking). */
  deviceName: string;
}

/** A device name is typed in at most this many characters (core bounds its bytes). */
const MAX_DEVICE_NAME_CHARS = 60;

interface Props {
  mode: 'login' | 'register';
  access: AccessPolicy | undefined;
  busy: boolean;
  error: string | undefined;
  /** Ask for a device link code (this browser holds no device of the account). */
  needsLinkCode: boolean;
  /** The device name offered (the browser and system). */
  defaultDeviceName: string;
  onSubmit: (values: AuthValues) => void;
  onSwitchMode: () => void;
  /** Go to "Restore from backup" (a fresh browser, with a backup file and its recovery key). */
  onRestore: () => void;
  /** Go to "Reset my identity" with the username typed (offered when a link code is needed). */
  onReset: (username: string) => void;
  /** What a sign-in is doing now (receiving the history from another device, say). */
  progress?: string | undefined;
}

/** Sign-in and registration form (pure view). */
export function AuthScreen(props: Props) {
  const { mode, access, busy, error, needsLinkCode, onSubmit, onSwitchMode, onRestore, onReset, progress } =
    props;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [secret, setSecret] = useState('');
  const [linkCode, setLinkCode] = useState('');
  const [deviceName, setDeviceName] = useState(props.defaultDeviceName);
  const id = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  // Focus that left with the screen before this one (the chat's, at a log out) comes to its heading.
  useEffect(() => {
    if (document.activeElement === null || document.activeElement === document.body) heading.current?.focus();
  }, []);
  const registering = mode === 'register';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit({ username, password, secret, linkCode, deviceName });
  };
  return (
    <main className="auth">
      <form className="card auth-card" onSubmit={submit} aria-labelledby={`${id}-title`}>
        <h1 id={`${id}-title`} ref={heading} tabIndex={-1}>
          {registering ? t('auth.titleRegister') : t('auth.titleSignIn')}
        </h1>
        <p className="muted">{t('auth.intro')}</p>
        <UsernameField id={id} value={username} onChange={setUsername} />
        <label htmlFor={`${id}-pass`}>{t('auth.password')}</label>
        <input
          id={`${id}-pass`}
          name="password"
          type="password"
          autoComplete={registering ? 'new-password' : 'current-password'}
          minLength={registering ? MIN_PASSWORD_CHARS : 1}
          maxLength={MAX_PASSWORD_CHARS}
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {registering && <AccessField id={id} access={access} value={secret} onChange={setSecret} />}
        {!registering && needsLinkCode && (
          <>
            <label htmlFor={`${id}-link`}>{t('auth.linkCode')}</label>
            <input
              id={`${id}-link`}
              name="link-code"
              autoCapitalize="characters"
              autoComplete="one-time-code"
              spellCheck={false}
              // Room for the dashes and spaces people type between the groups.
              maxLength={2 * LINK_CODE_CHARS}
              placeholder="XXXX-XXXX-XXXX-XXXX-XXXX"
              required
              value={linkCode}
              onChange={(e) => setLinkCode(e.target.value)}
            />
          </>
        )}
        {(registering || needsLinkCode) && (
          <DeviceNameField id={id} value={deviceName} onChange={setDeviceName} />
        )}
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {progress !== undefined && (
          <p className="muted" role="status" data-testid="auth-progress">
            {progress}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? t('auth.working') : registering ? t('auth.createAccount') : t('auth.signIn')}
        </button>
        <button type="button" className="link" onClick={onSwitchMode} disabled={busy}>
          {registering ? t('auth.haveAccount') : t('auth.createAnAccount')}
        </button>
        <button type="button" className="link" onClick={onRestore} disabled={busy}>
          {t('auth.restore')}
        </button>
        {!registering && needsLinkCode && (
          <button type="button" className="link" onClick={() => onReset(username)} disabled={busy}>
            {t('auth.reset')}
          </button>
        )}
      </form>
      <LanguageSelect />
    </main>
  );
}

/** A labelled field of a sign-in form: `id` prefixes its element ids (useId's). */
export interface FieldProps {
  id: string;
  value: string;
  onChange: (value: string) => void;
}

/** "Name this device", with its note (registering, or linking this browser). */
export function DeviceNameField({ id, value, onChange }: FieldProps) {
  return (
    <>
      <label htmlFor={`${id}-device`}>{t('auth.deviceName')}</label>
      <input
        id={`${id}-device`}
        name="device-name"
        maxLength={MAX_DEVICE_NAME_CHARS}
        aria-describedby={`${id}-device-note`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id={`${id}-device-note`} className="muted small">
        {t('auth.deviceNameNote')}
      </p>
    </>
  );
}

interface AccessFieldProps {
  id: string;
  access: AccessPolicy | undefined;
  value: string;
  onChange: (v: string) => void;
}

/** The server's access password or an invite code, when the server asks for one to register. */
function AccessField({ id, access, value: secret, onChange: setSecret }: AccessFieldProps) {
  return (
    <>
      {access === 'password' && (
        <>
          <label htmlFor={`${id}-secret`}>{t('auth.accessPassword')}</label>
          <input
            id={`${id}-secret`}
            name="access-password"
            type="password"
            maxLength={MAX_ACCESS_PASSWORD_CHARS}
            required
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </>
      )}
      {access === 'invite' && (
        <>
          <label htmlFor={`${id}-secret`}>{t('auth.inviteCode')}</label>
          <input
            id={`${id}-secret`}
            name="invite-code"
            maxLength={MAX_INVITE_CODE_CHARS}
            required
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </>
      )}
    </>
  );
}

/** "Username", as the account's name is typed to sign in. */
export function UsernameField({ id, value, onChange }: FieldProps) {
  return (
    <>
      <label htmlFor={`${id}-user`}>{t('auth.username')}</label>
      <input
        id={`${id}-user`}
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={MAX_USERNAME_CHARS}
        required
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </>
  );
}
