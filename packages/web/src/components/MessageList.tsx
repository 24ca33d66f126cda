/**
 * The open conversation's messages (pure view): a window of at most a few pages of the history
 * read (historyWindow.ts; each message a MessageItem), with a control at the top to show the
 * messages before (reading the page before from the store when all read are shown; also reached by
 * scrolling to the top), one at the bottom to show those after (or scrolling to the bottom), and a
 * notice while a page is read. What the person was looking at stays in place as the window moves.
 */
import type { ChatMessage } from '@parley/client';
import { type FocusEvent, useLayoutEffect, useRef } from 'react';
import { t } from '../i18n/t.js';
import { systemLine } from '../systemLines.js';
import { useHistoryWindow } from './historyWindow.js';
import { type MessageActions, MessageItem } from './MessageItem.js';

interface Props extends MessageActions {
  me: string;
  /** The conversation can be written to: messages offer their actions. */
  writable: boolean;
  /** A one-to-one conversation (senders' names are not shown). */
  direct: boolean;
  /** The history shown (the latest page, and earlier pages the person asked for). */
  messages: readonly ChatMessage[];
  /** Earlier messages can be read. */
  more: boolean;
  /** The history is being read. */
  loading: boolean;
  /** The page before is being read (it is added above when it arrives). */
  loadingEarlier: boolean;
  undecryptable: number;
  /** System lines about the conversation (a repair: who broke it), after the messages. */
  notices: readonly string[];
  onLoadEarlier: () => void;
}

export function MessageList(props: Props) {
  const { me, direct, messages, more, loading, loadingEarlier, undecryptable, notices, onLoadEarlier } =
    props;
  const endRef = useRef<HTMLLIElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const view = useHistoryWindow({
    list: listRef,
    messages,
    more,
    loadingEarlier,
    onLoadEarlier,
    me,
    newest: endRef,
  });
  /**
   * The button (one of the two) that has the focus. It leaves the page when the window moves — on
   * its press, or on the scroll that focusing it caused — and focus, which went with it to the
   * page's body, is then put on the list. Each render of the list checks (the removal is one).
   */
  const focused = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    const button = focused.current;
    if (button === null || button.isConnected) return;
    focused.current = null;
    const active = document.activeElement;
    if (active === null || active === document.body) listRef.current?.focus({ preventScroll: true });
  });
  const focusWatch = {
    onFocus: (e: FocusEvent<HTMLElement>) => {
      focused.current = e.currentTarget;
    },
    onBlur: (e: FocusEvent<HTMLElement>) => {
      // Focus moved elsewhere (a removal leaves no related target).
      if (e.relatedTarget !== null) focused.current = null;
    },
  };

  return (
    <ol
      ref={listRef}
      className="messages"
      aria-label={t('messages.label')}
      aria-busy={loading}
      // New messages are announced by the chat screen's live region (this list would say the whole
      // history again). A Tab stop, so that the history scrolls with the keyboard in every browser:
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be focusable (WCAG 2.1.1).
      tabIndex={0}
      onScroll={view.onScroll}
    >
      {view.earlier && (
        <li className="earlier">
          <button type="button" onClick={view.showEarlier} aria-disabled={loadingEarlier} {...focusWatch}>
            {t('messages.loadEarlier')}
          </button>
        </li>
      )}
      {loadingEarlier && (
        <li className="notice" role="status">
          {t('messages.loadingEarlier')}
        </li>
      )}
      {loading && (
        <li className="notice" role="status">
          {t('messages.loading')}
        </li>
      )}
      {view.shown.map((m) =>
        // A system line of the history (a timer change, a repair), in its place among the messages.
        m.system !== undefined ? (
          <li key={m.id} className="notice system" data-id={m.id}>
            {systemLine(m, me)}
          </li>
        ) : (
          <MessageItem
            key={m.id}
            m={m}
            me={me}
            showSender={m.from.accountId !== me && !direct}
            writable={props.writable}
            onReply={props.onReply}
            onReact={props.onReact}
            onEdit={props.onEdit}
            onDelete={props.onDelete}
            onReport={props.onReport}
            onFetch={props.onFetch}
          />
        ),
      )}
      {view.later && (
        <li className="later">
          <button type="button" onClick={view.showLater} {...focusWatch}>
            {t('messages.showLater')}
          </button>
        </li>
      )}
      {undecryptable > 0 && (
        <li className="notice" role="status">
          {t('messages.undecryptable', { count: undecryptable })}
        </li>
      )}
      {notices.map((text, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: lines are only ever appended
        <li key={i} className="notice system" role="status">
          {text}
        </li>
      ))}
      <li ref={endRef} className="end" aria-hidden="true" />
    </ol>
  );
}
