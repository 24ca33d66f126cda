/**
 * Signing in, registering, restoring a backup or resetting the identity on this browser: the forms, what they are doing
 * (busy, progress, the error as a sentence), and the session calls behind them.
 */
import { useState } from 'react';
import { type AccessPolicy, AuthScreen, type AuthValues } from '../components/AuthScreen.js';
import { ResetIdentityForm } from '../components/ResetIdentityForm.js';
import { RestoreForm } from '../components/RestoreForm.js';
import { defaultDeviceName } from '../deviceName.js';
import { type ResetValues, resetIdentityHere } from '../identityReset.js';
import { type RestoreValues, restoreBackup } from '../restore.js';
import * as session from '../session.js';

interface Props {
  mode: 'login' | 'register';
  setMode: (mode: 'login' | 'register') => void;
  access: AccessPolicy | undefined;
  /** An error met before the form was shown (the server unreachable, say). */
  error: string | undefined;
  onSignedIn: (signedIn: session.SignedIn) => void;
}

export function SignIn({ mode, setMode, access, error: initialError, onSignedIn }: Props) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(initialError);
  const [needsLinkCode, setNeedsLinkCode] = useState(false);
  const [screen, setScreen] = useState<'auth' | 'restore' | 'reset'>('auth');
  const [resetName, setResetName] = useState('');
  const [progress, setProgress] = useState<string | undefined>();

  /** Run a sign-in: busy meanwhile, its failure shown as a sentence. */
  const attempt = async (work: () => Promise<session.SignedIn>) => {
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await work());
    } catch (e) {
      if (e instanceof session.LinkCodeNeeded) setNeedsLinkCode(true);
      setError(session.explain(e));
    } finally {
      setBusy(false);
      setProgress(undefined);
    }
  };
  const submit = (values: AuthValues) =>
    attempt(() =>
      mode === 'register'
        ? session.register(
            values.username,
            values.password,
            { policy: access ?? 'open', secret: values.secret },
            values.deviceName,
          )
        : session.login(values.username, values.password, values.linkCode, values.deviceName, setProgress),
    );
  const restore = (values: RestoreValues) => attempt(() => restoreBackup(values));
  const reset = (values: ResetValues) => attempt(() => resetIdentityHere(values));
  const go = (to: typeof screen) => {
    setError(undefined);
    setScreen(to);
  };

  if (screen === 'restore') {
    return (
      <RestoreForm
        busy={busy}
        error={error}
        defaultDeviceName={defaultDeviceName()}
        onSubmit={(v) => void restore(v)}
        onBack={() => go('auth')}
      />
    );
  }
  if (screen === 'reset') {
    return (
      <ResetIdentityForm
        username={resetName}
        busy={busy}
        error={error}
        defaultDeviceName={defaultDeviceName()}
        onSubmit={(v) => void reset(v)}
        onBack={() => go('auth')}
      />
    );
  }
  return (
    <AuthScreen
      mode={mode}
      access={access}
      busy={busy}
      error={error}
      needsLinkCode={needsLinkCode}
      defaultDeviceName={defaultDeviceName()}
      onSubmit={(v) => void submit(v)}
      progress={progress}
      onRestore={() => go('restore')}
      onReset={(username) => {
        setResetName(username);
        go('reset');
      }}
      onSwitchMode={() => {
        setError(undefined);
        setMode(mode === 'login' ? 'register' : 'login');
      }}
    />
  );
}
