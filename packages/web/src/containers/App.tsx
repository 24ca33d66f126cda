/** The app's top level: resume a signed-in device or sign in / register, then the chat screen. */
import { useEffect, useState } from 'react';
import type { AccessPolicy } from '../components/AuthScreen.js';
import { useLocale } from '../i18n/locale.js';
import { t } from '../i18n/t.js';
import * as session from '../session.js';
import { ChatScreen } from './ChatScreen.js';
import { ChatModel } from './chatModel.js';
import { KeyWarnings } from './keyWarnings.js';
import { SignIn } from './SignIn.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'auth' }
  | { kind: 'chat'; model: ChatModel; warnings: KeyWarnings; session: session.SignedIn };

function chat(signedIn: session.SignedIn): Phase {
  return {
    kind: 'chat',
    model: new ChatModel(signedIn.client, signedIn.identity.identityKey),
    warnings: new KeyWarnings(signedIn.client),
    session: signedIn,
  };
}

/** Top level: resume a signed-in device, or sign in / register; then the chat. */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [mode, setMode] = useState<'login' | 'register'>('register');
  const [access, setAccess] = useState<AccessPolicy | undefined>();
  const [error, setError] = useState<string | undefined>();
  // Every component below formats its text while rendering, so a new language re-renders them all.
  useLocale();

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const info = await session.serverInfo().catch((e: unknown) => {
        setError(session.explain(e));
        return undefined;
      });
      if (!cancelled) setAccess(info?.access);
      const resumed = await session.resume().catch((e: unknown) => {
        setError(session.explain(e));
        return undefined;
      });
      if (cancelled) return;
      if (resumed === undefined && (await session.holdsDevices().catch(() => false))) setMode('login');
      setPhase(resumed !== undefined ? chat(resumed) : { kind: 'auth' });
    })();
    return () => {
      cancelled = true;
    };
  }, []);

  if (phase.kind === 'loading') {
    return (
      <main className="auth">
        <p className="muted" role="status">
          {t('app.opening')}
        </p>
      </main>
    );
  }
  if (phase.kind === 'auth') {
    return (
      <SignIn
        mode={mode}
        setMode={setMode}
        access={access}
        error={error}
        onSignedIn={(signedIn) => setPhase(chat(signedIn))}
      />
    );
  }
  return (
    <ChatScreen
      model={phase.model}
      warnings={phase.warnings}
      canLinkDevices={phase.session.identity.identityPrivateKey !== null}
      onLinkDevice={(password, since) => session.linkDevice(phase.session, password, since)}
      onManageDevices={(password) => session.manageDevices(phase.session, password)}
      onLogout={async (removeData) => {
        phase.model.close();
        if (removeData) phase.warnings.forget();
        else phase.warnings.close();
        await session.logout(phase.session, removeData);
        setMode('login');
        setPhase({ kind: 'auth' });
      }}
      onDeleteAccount={async (password) => {
        await session.deleteAccount(phase.session, password);
        phase.model.close();
        phase.warnings.forget();
        await session.logout(phase.session, true);
        setMode('register');
        setPhase({ kind: 'auth' });
      }}
    />
  );
}
