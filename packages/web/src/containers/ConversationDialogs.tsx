/**
 * The chat screen's dialogs about conversations: start a chat or a group, a conversation's members,
 * a contact's safety number, blocking and reporting (./SafetyDialogs.tsx), and the warning that
 * takes over when a contact's identity changed.
 */
import { useState } from 'react';
import { conversationTitle } from '../components/ConversationList.js';
import { Dialog } from '../components/Dialog.js';
import { ErrorText, IdentityWarning, MembersPanel, NewConversationForm } from '../components/Forms.js';
import { SafetyNumberView } from '../components/SafetyNumber.js';
import { TimerControl } from '../components/TimerControl.js';
import { t } from '../i18n/t.js';
import { checkUsername, explain } from '../session.js';
import type { ChatModel } from './chatModel.js';
import type { ChatState, Conversation } from './chatState.js';
import type { PanelControl } from './panel.js';
import { SafetyDialogs } from './SafetyDialogs.js';

interface Props {
  model: ChatModel;
  s: ChatState;
  open: Conversation | undefined;
  control: PanelControl;
  showSafetyNumber: (accountId: string) => void;
}

export function ConversationDialogs({ model, s, open, control, showSafetyNumber }: Props) {
  const { panel, setPanel, close: closePanel, busy, error, run } = control;
  return (
    <>
      {(panel?.kind === 'new-chat' || panel?.kind === 'new-group') && (
        <Dialog
          title={panel.kind === 'new-chat' ? t('list.newChat') : t('list.newGroup')}
          onClose={closePanel}
        >
          <NewConversationForm
            group={panel.kind === 'new-group'}
            busy={busy}
            error={error}
            onSubmit={(name, people, options) =>
              void run(async () => {
                const names = people.map(checkUsername).filter((p) => p !== s.me);
                if (names.length === 0) throw new Error(t('newChat.noOne'));
                let id: string;
                if (panel.kind === 'new-chat') {
                  if (names.length !== 1) throw new Error(t('newChat.onePerson'));
                  id = await model.direct(names[0]!, options);
                } else id = await model.createGroup(name, names, options);
                closePanel();
                model.open(id);
              })
            }
          />
        </Dialog>
      )}

      {panel?.kind === 'members' && open !== undefined && (
        <Dialog
          title={
            open.direct ? t('chat.details') : t('members.title', { title: conversationTitle(open, s.me) })
          }
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
            onBlock={(accountId) => setPanel({ kind: 'block', accountId })}
            onLeave={() =>
              void run(async () => {
                await model.leave(open.id);
                closePanel();
              })
            }
          />
          {!open.ended && (
            <TimerControl
              seconds={open.timer}
              busy={busy}
              onChange={(seconds) => void run(() => model.setTimer(open.id, seconds))}
            />
          )}
        </Dialog>
      )}

      <SafetyDialogs model={model} control={control} />

      {panel?.kind === 'safety' && (
        <Dialog title={t('safety.title', { contact: panel.accountId })} onClose={closePanel}>
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
    </>
  );
}

interface IdentityChangeProps {
  model: ChatModel;
  /** The contact whose identity key changed. */
  changed: string;
  busy: boolean;
  onLater: () => void;
}

/** The blocking warning about a contact's new identity key, with the new safety number to compare. */
export function IdentityChangeDialog({ model, changed, busy, onLater }: IdentityChangeProps) {
  const [comparing, setComparing] = useState(false);
  const [warningError, setWarningError] = useState<string | undefined>();
  const newNumber = model.newSafetyNumber(changed);
  return (
    <Dialog title={t('identity.title', { contact: changed })} role="alertdialog" className="warning">
      <IdentityWarning
        contact={changed}
        busy={busy}
        onCompare={() => setComparing(true)}
        onLater={onLater}
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
            <p>{t('identity.newNumber', { contact: changed })}</p>
            <p className="safety-digits" data-testid="new-safety-number">
              {newNumber.groups.map((g, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: positional groups.
                <span key={i}>{g}</span>
              ))}
            </p>
          </div>
        ) : (
          <p className="muted">{t('identity.presentedEarlier', { contact: changed })}</p>
        ))}
      <ErrorText error={warningError} />
    </Dialog>
  );
}
