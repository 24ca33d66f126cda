/** The app's top level: resume a signed-in device or sign in / register, then the chat screen. */
import { useEffect, useState } from 'react';
import { type AccessPolicy, AuthScreen, type AuthValues } from '../components/AuthScreen.js';
import { defaultDeviceName } from '../deviceName.js';
import * as session from '../session.js';
import { ChatScreen } from './ChatScreen.js';
import { ChatModel } from './chatModel.js';

type Phase =
  | { kind: 'loading' }
  | { kind: 'auth' }
  | { kind: 'chat'; model: ChatModel; session: session.SignedIn };

function chat(signedIn: session.SignedIn): Phase {
  return {
    kind: 'chat',
    model: new ChatModel(signedIn.client, signedIn.identity.identityKey),
    session: signedIn,
  };
}

/** Top level: resume a signed-in device, or sign in / register; then the chat. */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'loading' });
  const [mode, setMode] = useState<'login' | 'register'>('register');
  const [access, setAccess] = useState<AccessPolicy | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [needsLinkCode, setNeedsLinkCode] = useState(false);

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

  const submit = async (values: AuthValues) => {
    setBusy(true);
    setError(undefined);
    try {
      const signedIn =
        mode === 'register'
          ? await session.register(
              values.username,
              values.password,
              {
                policy: access ?? 'open',
                secret: values.secret,
              },
              values.deviceName,
            )
          : await session.login(values.username, values.password, values.linkCode, values.deviceName);
      setPhase(chat(signedIn));
    } catch (e) {
      if (e instanceof session.LinkCodeNeeded) setNeedsLinkCode(true);
      setError(session.explain(e));
    } finally {
      setBusy(false);
    }
  };

  if (phase.kind === 'loading') {
    return (
      <main className="auth">
        <p className="muted" role="status">
          Opening Parley…
        </p>
      </main>
    );
  }
  if (phase.kind === 'auth') {
    return (
      <AuthScreen
        mode={mode}
        access={access}
        busy={busy}
        error={error}
        needsLinkCode={needsLinkCode}
        defaultDeviceName={defaultDeviceName()}
        onSubmit={(v) => void submit(v)}
        onSwitchMode={() => {
          setError(undefined);
          setMode(mode === 'login' ? 'register' : 'login');
        }}
      />
    );
  }
  return (
    <ChatScreen
      model={phase.model}
      canLinkDevices={phase.session.identity.identityPrivateKey !== null}
      onLinkDevice={(password) => session.linkDevice(phase.session, password)}
      onManageDevices={(password) => session.manageDevices(phase.session, password)}
      onLogout={async (removeData) => {
        phase.model.close();
        await session.logout(phase.session, removeData);
        setMode('login');
        setPhase({ kind: 'auth' });
      }}
      onDeleteAccount={async (password) => {
        await session.deleteAccount(phase.session, password);
        phase.model.close();
        await session.logout(phase.session, true);
        setMode('register');
        setPhase({ kind: 'auth' });
      }}
    />
  );
}
