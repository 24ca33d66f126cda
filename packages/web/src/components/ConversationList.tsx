/**
 * The list of conversations with titles, last messages, unread badges and presence (pure view):
 * one Tab stop, the arrow keys move between conversations.
 */
import type { KeyboardEvent, ReactNode } from 'react';
import type { Conversation } from '../containers/chatModel.js';
import { messageSummary } from '../format.js';
import { t } from '../i18n/t.js';

interface Props {
  me: string;
  conversations: Conversation[];
  openId: string | undefined;
  online: ReadonlySet<string>;
  onOpen: (id: string) => void;
  onNewChat: () => void;
  onNewGroup: () => void;
  /** Shown under the toolbar (the search box). */
  children?: ReactNode;
}

/** The people in a conversation other than me, for its title. */
export function others(c: Conversation, me: string): string[] {
  return c.members.filter((m) => m !== me);
}

export function conversationTitle(c: Conversation, me: string): string {
  if (c.name) return c.name;
  const rest = others(c, me);
  return rest.length === 0 ? t('list.onlySelf') : rest.join(', ');
}

function preview(c: Conversation, me: string): string {
  if (c.last === undefined) return t('list.noMessages');
  const text = messageSummary(c.last);
  if (c.last.from.accountId === me) return t('list.fromMe', { text });
  return c.direct ? text : t('list.from', { name: c.last.from.accountId, text });
}

/** The conversation list: title, last message, unread badge, presence (pure view). */
export function ConversationList({
  me,
  conversations,
  openId,
  online,
  onOpen,
  onNewChat,
  onNewGroup,
  children,
}: Props) {
  // One Tab stop for the list (the open conversation, or the first); arrow keys move within it.
  const stop = conversations.some((c) => c.id === openId) ? openId : conversations[0]?.id;
  const onlineNow = [
    ...new Set(conversations.flatMap((c) => others(c, me)).filter((m) => online.has(m))),
  ].sort();
  return (
    <nav className="conversations" aria-label={t('list.label')}>
      <div className="toolbar">
        <button type="button" onClick={onNewChat}>
          {t('list.newChat')}
        </button>
        <button type="button" onClick={onNewGroup}>
          {t('list.newGroup')}
        </button>
      </div>
      {children}
      <p className="muted small online-summary" data-testid="online">
        {onlineNow.length === 0 ? t('list.noneOnline') : t('list.online', { names: onlineNow.join(', ') })}
      </p>
      {conversations.length === 0 ? (
        <p className="muted empty">{t('list.empty')}</p>
      ) : (
        <ul onKeyDown={moveBetweenConversations}>
          {conversations.map((c) => {
            const title = conversationTitle(c, me);
            const isOnline = c.direct && others(c, me).some((m) => online.has(m));
            return (
              <li key={c.id}>
                <button
                  type="button"
                  className={`conversation ${c.id === openId ? 'active' : ''}`}
                  aria-current={c.id === openId ? 'true' : undefined}
                  tabIndex={c.id === stop ? 0 : -1}
                  data-conversation={title}
                  data-id={c.id}
                  onClick={() => onOpen(c.id)}
                >
                  <span className="avatar" aria-hidden="true">
                    {c.direct ? title.slice(0, 1).toUpperCase() : '#'}
                    {isOnline && <span className="presence-dot" />}
                  </span>
                  <span className="conversation-text">
                    <span className="conversation-title">
                      {title}
                      {isOnline && <span className="visually-hidden">{t('list.isOnline')}</span>}
                    </span>
                    <span className="conversation-last">{preview(c, me)}</span>
                  </span>
                  {c.unread > 0 && (
                    <span className="badge">
                      {c.unread}
                      <span className="visually-hidden">{t('list.unread', { count: c.unread })}</span>
                    </span>
                  )}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}

const MOVES: Record<string, (i: number, n: number) => number> = {
  ArrowDown: (i, n) => Math.min(n - 1, i + 1),
  ArrowUp: (i) => Math.max(0, i - 1),
  Home: () => 0,
  End: (_, n) => n - 1,
};

/** Up and down arrows, Home and End move focus between the conversations (Enter opens one). */
function moveBetweenConversations(e: KeyboardEvent<HTMLUListElement>): void {
  const move = MOVES[e.key];
  if (move === undefined) return;
  const buttons = Array.from(e.currentTarget.querySelectorAll<HTMLButtonElement>('button.conversation'));
  const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
  if (i < 0) return;
  e.preventDefault();
  buttons[move(i, buttons.length)]?.focus();
}
