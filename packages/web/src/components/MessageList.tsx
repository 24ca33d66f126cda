/**
 * The open conversation's messages (pure view): the pages read (each a MessageItem), a control to
 * read the page before (also reached by scrolling to the top) that shows while it is read, and the
 * scroll position kept while earlier messages are added above.
 */
import type { ChatMessage } from '@parley/client';
import { useEffect, useLayoutEffect, useRef } from 'react';
import { t } from '../i18n/t.js';
import { systemLine } from '../systemLines.js';
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
  const lastId = messages.at(-1)?.id;
  const listRef = useRef<HTMLOListElement>(null);
  const earlierRef = useRef<HTMLButtonElement>(null);
  /** While earlier messages are added above: the distance to the list's bottom to keep, and focus. */
  const anchor = useRef<{ fromBottom: number; focused: boolean } | undefined>(undefined);

  useEffect(() => {
    if (lastId !== undefined) endRef.current?.scrollIntoView({ block: 'end' });
  }, [lastId]);

  // The page before was read (and added above, unless the read failed): what the person was
  // looking at stays where it was.
  useLayoutEffect(() => {
    const list = listRef.current;
    const kept = anchor.current;
    if (loadingEarlier || kept === undefined || list === null) return;
    anchor.current = undefined;
    list.scrollTop = list.scrollHeight - kept.fromBottom;
    // The button is gone once everything is shown: focus stays in the conversation.
    if (kept.focused && earlierRef.current === null) list.focus({ preventScroll: true });
  }, [loadingEarlier]);

  const loadEarlier = () => {
    const list = listRef.current;
    if (list === null || anchor.current !== undefined || loadingEarlier) return;
    anchor.current = {
      fromBottom: list.scrollHeight - list.scrollTop,
      focused: document.activeElement === earlierRef.current,
    };
    onLoadEarlier();
  };

  // Scrolling up to the top shows the page before.
  const onScroll = () => {
    if (more && (listRef.current?.scrollTop ?? 8) < 8) loadEarlier();
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
      onScroll={onScroll}
    >
      {more && (
        <li className="earlier">
          <button type="button" ref={earlierRef} onClick={loadEarlier} aria-disabled={loadingEarlier}>
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
      {messages.map((m) =>
        // A system line of the history (a timer change, a repair), in its place among the messages.
        m.system !== undefined ? (
          <li key={m.id} className="notice system">
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
