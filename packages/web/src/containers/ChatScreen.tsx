import type { OwnDevice } from '@parley/client';
import type { SafetyNumber } from '@parley/core';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { ChatView } from '../components/ChatView.js';
import { ConversationList, conversationTitle } from '../components/ConversationList.js';
import { Dialog } from '../components/Dialog.js';
import {
  ConnectionBanner,
  DeviceList,
  ErrorText,
  IdentityWarning,
  LinkDevicePanel,
  MembersPanel,
  NewConversationForm,
  PasswordForm,
} from '../components/Forms.js';
import { SafetyNumberView } from '../components/SafetyNumber.js';
import { checkUsername, type DeviceManager, explain } from '../session.js';
import type { ChatModel } from './chatModel.js';
import { shownMessages } from './chatState.js';

type Panel =
  | { kind: 'new-chat' }
  | { kind: 'new-group' }
  | { kind: 'members' }
  | { kind: 'safety'; accountId: string; number: SafetyNumber; verified: boolean }
  | { kind: 'logout' }
  | { kind: 'link'; code?: string; expiresAt?: number }
  | { kind: 'devices'; manager?: DeviceManager; devices?: OwnDevice[] };

interface Props {
  model: ChatModel;
  /** This device holds the account's identity key, so it can link new devices. */
  canLinkDevices: boolean;
  onLinkDevice: (password: string) => Promise<{ code: string; expiresAt: number }>;
  /** Open the devices dialog's server session (the password confirms it is the person). */
  onManageDevices: (password: string) => Promise<DeviceManager>;
  onLogout: (removeData: boolean) => Promise<void>;
}

function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

/** The signed-in app: list, open conversation, dialogs, warnings, notifications. */
export function ChatScreen({ model, onLogout, canLinkDevices, onLinkDevice, onManageDevices }: Props) {
  const s = useSyncExternalStore(model.subscribe, model.getSnapshot);
  const [panel, setPanel] = useState<Panel | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [comparing, setComparing] = useState(false);
  const [permission, setPermission] = useState(() =>
    notificationsSupported() ? Notification.permission : 'denied',
  );
  const open = s.conversations.find((c) => c.id === s.openId);
  const page = shownMessages(s);
  const unread = s.conversations.reduce((n, c) => n + c.unread, 0);

  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Parley` : 'Parley';
  }, [unread]);

  useEffect(() => {
    const onVisibility = () => model.setVisible(document.visibilityState === 'visible');
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [model]);

  // Browser notifications for messages arriving while the tab is hidden.
  useEffect(() => {
    model.onIncoming = (m, c) => {
      if (!document.hidden || !notificationsSupported() || Notification.permission !== 'granted') return;
      const title =
        c === undefined ? m.from.accountId : c.direct ? m.from.accountId : conversationTitle(c, s.me);
      const n = new Notification(title, {
        body: c?.direct ? m.text : `${m.from.accountId}: ${m.text}`,
        tag: m.groupId,
      });
      n.onclick = () => {
        window.focus();
        model.open(m.groupId);
      };
    };
    return () => {
      model.onIncoming = undefined;
    };
  }, [model, s.me]);

  const closePanel = () => {
    if (panel?.kind === 'devices') void panel.manager?.close();
    setPanel(undefined);
    setError(undefined);
  };

  const run = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (e) {
      setError(explain(e));
    } finally {
      setBusy(false);
    }
  };

  const showSafetyNumber = (accountId: string) =>
    run(async () => {
      const r = await model.safetyNumber(accountId);
      if (r === undefined) throw new Error(`You have no conversation with ${accountId} yet.`);
      setPanel({ kind: 'safety', accountId, number: r.number, verified: r.verified });
    });

  const changed = s.identityChanges[0];
  const newNumber = changed === undefined ? undefined : model.newSafetyNumber(changed);
  const [warningError, setWarningError] = useState<string | undefined>();

  // A changed identity takes over the screen: whatever dialog was open (the action that ran into
  // the change, typically) is closed, and its error with it.
  useEffect(() => {
    if (changed !== undefined) {
      setPanel(undefined);
      setError(undefined);
      setComparing(false);
    }
  }, [changed]);

  return (
    <div className={`app ${open !== undefined ? 'show-chat' : ''}`}>
      <header className="app-header">
        <span className="brand">Parley</span>
        <span className="me" data-testid="me">
          {s.me}
        </span>
        <span className="spacer" />
        {permission === 'default' && (
          <button
            type="button"
            onClick={() => void Notification.requestPermission().then((p) => setPermission(p))}
          >
            Enable notifications
          </button>
        )}
        <button type="button" onClick={() => setPanel({ kind: 'devices' })}>
          Devices
        </button>
        {canLinkDevices && (
          <button type="button" onClick={() => setPanel({ kind: 'link' })}>
            Link a device
          </button>
        )}
        <button type="button" onClick={() => setPanel({ kind: 'logout' })}>
          Log out
        </button>
      </header>
      <ConnectionBanner state={s.connection} />
      <div className="layout">
        <ConversationList
          me={s.me}
          conversations={s.conversations}
          openId={s.openId}
          online={s.online}
          onOpen={(id) => model.open(id)}
          onNewChat={() => setPanel({ kind: 'new-chat' })}
          onNewGroup={() => setPanel({ kind: 'new-group' })}
        />
        {open !== undefined ? (
          <ChatView
            key={open.id}
            me={s.me}
            conversation={open}
            messages={page.messages}
            earlier={page.earlier}
            loading={s.loading}
            onLoadEarlier={() => model.loadEarlier()}
            typing={s.typing.get(open.id) ?? []}
            verified={s.verified}
            online={s.online}
            undecryptable={s.undecryptable.get(open.id) ?? 0}
            held={open.members.some((m) => s.identityChanges.includes(m))}
            onSend={(text) => model.send(open.id, text)}
            onTyping={(t) => model.setTyping(open.id, t)}
            onSafetyNumber={(id) => void showSafetyNumber(id)}
            onMembers={() => setPanel({ kind: 'members' })}
            onBack={() => model.open(undefined)}
          />
        ) : (
          <section className="chat placeholder">
            <p className="muted">Choose a conversation, or start a new one.</p>
          </section>
        )}
      </div>

      {(panel?.kind === 'new-chat' || panel?.kind === 'new-group') && (
        <Dialog title={panel.kind === 'new-chat' ? 'New chat' : 'New group'} onClose={closePanel}>
          <NewConversationForm
            group={panel.kind === 'new-group'}
            busy={busy}
            error={error}
            onSubmit={(name, people) =>
              void run(async () => {
                const names = people.map(checkUsername).filter((p) => p !== s.me);
                if (names.length === 0) throw new Error('Enter at least one other username.');
                let id: string;
                if (panel.kind === 'new-chat') {
                  if (names.length !== 1)
                    throw new Error('A chat is with one person; create a group for more.');
                  id = await model.direct(names[0]!);
                } else id = await model.createGroup(name, names);
                closePanel();
                model.open(id);
              })
            }
          />
        </Dialog>
      )}

      {panel?.kind === 'members' && open !== undefined && (
        <Dialog
          title={open.direct ? 'Details' : `Members of ${conversationTitle(open, s.me)}`}
          onClose={closePanel}
        >
          <MembersPanel
            me={s.me}
            members={open.members}
            direct={open.direct}
            ended={open.ended}
            verified={s.verified}
            online={s.online}
            busy={busy}
            error={error}
            canLeave={!open.ended && !open.leaving}
            name={open.name}
            onRename={(name) => void run(() => model.rename(open.id, name))}
            onAdd={(people) => void run(() => model.addMembers(open.id, people.map(checkUsername)))}
            onRemove={(accountId) => void run(() => model.removeMember(open.id, accountId))}
            onSafetyNumber={(id) => void showSafetyNumber(id)}
            onLeave={() =>
              void run(async () => {
                await model.leave(open.id);
                closePanel();
              })
            }
          />
        </Dialog>
      )}

      {panel?.kind === 'safety' && (
        <Dialog title={`Safety number with ${panel.accountId}`} onClose={closePanel}>
          <SafetyNumberView
            contact={panel.accountId}
            groups={panel.number.groups}
            qrPayload={panel.number.qrPayload}
            verified={panel.verified}
            busy={busy}
            onMarkVerified={() =>
              void run(async () => {
                await model.markVerified(panel.accountId);
                setPanel({ ...panel, verified: true });
              })
            }
          />
          <ErrorText error={error} />
        </Dialog>
      )}

      {panel?.kind === 'link' && (
        <Dialog title="Link a device" onClose={closePanel}>
          <LinkDevicePanel
            code={panel.code}
            expiresAt={panel.expiresAt}
            me={s.me}
            busy={busy}
            error={error}
            onSubmit={(password) =>
              void run(async () => {
                const offer = await onLinkDevice(password);
                setPanel({ kind: 'link', code: offer.code, expiresAt: offer.expiresAt });
              })
            }
          />
        </Dialog>
      )}

      {panel?.kind === 'devices' && (
        <Dialog title="Your devices" onClose={closePanel}>
          {panel.manager === undefined || panel.devices === undefined ? (
            <PasswordForm
              intro="The devices of your account: browsers and computers where you are signed in. Confirm with your password."
              submitLabel="Show devices"
              busy={busy}
              error={error}
              onSubmit={(password) =>
                void run(async () => {
                  const manager = await onManageDevices(password);
                  setPanel({ kind: 'devices', manager, devices: manager.devices });
                })
              }
            />
          ) : (
            <DeviceList
              devices={panel.devices}
              canRevoke={canLinkDevices}
              busy={busy}
              error={error}
              onRevoke={(deviceId) =>
                void run(async () => {
                  const devices = await panel.manager!.revoke(deviceId);
                  setPanel({ ...panel, devices });
                })
              }
            />
          )}
        </Dialog>
      )}

      {panel?.kind === 'logout' && (
        <Dialog title="Log out" onClose={closePanel}>
          <div className="stack">
            <p>
              Keep this device’s data to sign in again here with your history, or remove it: this browser then
              forgets your keys and history (you cannot sign in here again with this account).
            </p>
            <ErrorText error={error} />
            <div className="row">
              <button type="button" disabled={busy} onClick={() => void run(() => onLogout(false))}>
                Log out
              </button>
              <button
                type="button"
                className="danger"
                disabled={busy}
                onClick={() => void run(() => onLogout(true))}
              >
                Log out and remove this device’s data
              </button>
            </div>
          </div>
        </Dialog>
      )}

      {changed !== undefined && (
        <Dialog title={`${changed}’s safety number changed`} role="alertdialog" className="warning">
          <IdentityWarning
            contact={changed}
            busy={busy}
            onCompare={() => setComparing(true)}
            onAccept={() => {
              setWarningError(undefined);
              model.acceptIdentityChange(changed).then(
                () => setComparing(false),
                (e: unknown) => setWarningError(explain(e)),
              );
            }}
          />
          {comparing &&
            (newNumber !== undefined ? (
              <div className="safety">
                <p>The new safety number (compare it with {changed} before accepting):</p>
                <p className="safety-digits" data-testid="new-safety-number">
                  {newNumber.groups.map((g, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: positional groups.
                    <span key={i}>{g}</span>
                  ))}
                </p>
              </div>
            ) : (
              <p className="muted">
                The new key was presented before this page was loaded: accept it, then compare the safety
                number from the conversation before marking {changed} as verified.
              </p>
            ))}
          <ErrorText error={warningError} />
        </Dialog>
      )}
    </div>
  );
}
