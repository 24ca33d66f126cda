/** The signed-in app's screen: header, conversation list, open chat, and the dialogs over them. */
import { type ReactNode, useEffect, useState, useSyncExternalStore } from 'react';
import { ChatView } from '../components/ChatView.js';
import { ConversationList } from '../components/ConversationList.js';
import { t } from '../i18n/t.js';
import { type AccountActions, AccountButtons, AccountDialogs, type SafetyActions } from './AccountDialogs.js';
import { Announcer, useFocusAfterBack } from './assistive.js';
import { Banners } from './Banners.js';
import { useBrowserSignals } from './browserSignals.js';
import { ConversationDialogs, IdentityChangeDialog } from './ConversationDialogs.js';
import type { ChatModel, Conversation } from './chatModel.js';
import { shownMessages } from './chatState.js';
import { HistorySearch } from './HistorySearch.js';
import type { KeyWarnings } from './keyWarnings.js';
import { NotificationsButton } from './NotificationsButton.js';
import { usePanel } from './panel.js';

interface Props extends Omit<AccountActions, 'onPresenceSharing'> {
  model: ChatModel;
  warnings: KeyWarnings;
}

/** What the Privacy dialog's safety tools do. */
function safetyActions(model: ChatModel, blocked: Iterable<string>, canBackUp: boolean): SafetyActions {
  return {
    blocked: [...blocked],
    onUnblock: model.unblock,
    onExport: model.exportHistory,
    onBackup: () => model.client.exportBackup(),
    canBackUp,
  };
}

/** The signed-in app: list, open conversation, dialogs, warnings, notifications. */
export function ChatScreen(props: Props) {
  const { model, onLogout, onDeleteAccount, canLinkDevices, onLinkDevice, onManageDevices } = props;
  const s = useSyncExternalStore(model.subscribe, model.getSnapshot);
  const control = usePanel();
  const { setPanel } = control;
  const open = s.conversations.find((c) => c.id === s.openId);
  const page = shownMessages(s);
  const said = useBrowserSignals(model, s.me, unreadCount(s.conversations));
  const focusAfterBack = useFocusAfterBack(s.openId);

  const showSafetyNumber = (accountId: string) =>
    control.run(async () => {
      const r = await model.safetyNumber(accountId);
      if (r === undefined) throw new Error(t('safety.noConversation', { accountId }));
      setPanel({ kind: 'safety', accountId, number: r.number, verified: r.verified });
    });

  // Contacts whose warning the person put off this session ("Decide later"): their conversations
  // stay held and say so, with a Review button that brings the warning back.
  const [later, setLater] = useState<string[]>([]);
  const changed = s.identityChanges.find((a) => !later.includes(a));
  // A changed identity takes over the screen: whatever dialog was open (the action that ran into
  // the change, typically) is closed, and its error with it.
  const { dismiss } = control;
  useEffect(() => {
    if (changed !== undefined) dismiss();
  }, [changed, dismiss]);

  return (
    <div className={`app ${open !== undefined ? 'show-chat' : ''}`}>
      <AppHeader me={s.me}>
        <AccountButtons canLinkDevices={canLinkDevices} setPanel={setPanel} />
      </AppHeader>
      <Banners warnings={props.warnings} connection={s.connection} syncError={s.syncError} />
      <Announcer said={said} />
      <main className="layout">
        <ConversationList
          me={s.me}
          conversations={s.conversations}
          openId={s.openId}
          online={s.online}
          onOpen={(id) => model.open(id)}
          onNewChat={() => setPanel({ kind: 'new-chat' })}
          onNewGroup={() => setPanel({ kind: 'new-group' })}
        >
          <HistorySearch model={model} s={s} />
        </ConversationList>
        {open !== undefined ? (
          <ChatView
            key={open.id}
            me={s.me}
            conversation={open}
            messages={page.messages}
            more={page.more}
            loadingEarlier={page.loadingEarlier}
            loading={s.loading}
            onLoadEarlier={() => model.loadEarlier()}
            typing={s.typing.get(open.id) ?? []}
            verified={s.verified}
            online={s.online}
            undecryptable={s.undecryptable.get(open.id) ?? 0}
            notices={s.repairs.get(open.id) ?? []}
            held={open.members.some((m) => s.identityChanges.includes(m))}
            onReview={() => setLater((l) => l.filter((a) => !open.members.includes(a)))}
            onSend={(text) => model.send(open.id, text)}
            onReply={(target, text) => model.reply(open.id, target, text)}
            onReact={(target, emoji) => model.react(open.id, target, emoji)}
            onEdit={(target, text) => model.edit(open.id, target, text)}
            onDelete={(target) => model.deleteMessage(open.id, target)}
            onReport={(message) => setPanel({ kind: 'report', groupId: open.id, message })}
            onTyping={(t) => model.setTyping(open.id, t)}
            uploads={s.uploads.get(open.id) ?? []}
            onSendFile={(file, replyTo) => model.sendFile(open.id, file, replyTo)}
            onCancelUpload={(id) => model.cancelUpload(id)}
            onFetch={(file, options) => model.fetchFile(file, options)}
            onSafetyNumber={(id) => void showSafetyNumber(id)}
            onMembers={() => setPanel({ kind: 'members' })}
            onBack={() => {
              focusAfterBack(open.id);
              model.open(undefined);
            }}
          />
        ) : (
          <section className="chat placeholder">
            <p className="muted">{t('app.chooseConversation')}</p>
          </section>
        )}
      </main>

      <ConversationDialogs
        model={model}
        s={s}
        open={open}
        control={control}
        showSafetyNumber={(id) => void showSafetyNumber(id)}
      />
      <AccountDialogs
        me={s.me}
        control={control}
        canLinkDevices={canLinkDevices}
        onLinkDevice={onLinkDevice}
        onManageDevices={onManageDevices}
        onLogout={onLogout}
        onDeleteAccount={onDeleteAccount}
        onPresenceSharing={model.presenceSharing}
        safety={safetyActions(model, s.blocked, canLinkDevices)}
      />
      {changed !== undefined && (
        <IdentityChangeDialog
          key={changed}
          model={model}
          changed={changed}
          busy={control.busy}
          onLater={() => setLater((l) => [...l, changed])}
        />
      )}
    </div>
  );
}

/** The app's header: the brand, who is signed in, the offer to enable notifications, `children`. */
function AppHeader({ me, children }: { me: string; children: ReactNode }) {
  return (
    <header className="app-header">
      <h1 className="brand">Parley</h1>
      <span className="me" data-testid="me">
        {me}
      </span>
      <span className="spacer" />
      <NotificationsButton />
      {children}
    </header>
  );
}

function unreadCount(conversations: readonly Conversation[]): number {
  return conversations.reduce((n, c) => n + c.unread, 0);
}
