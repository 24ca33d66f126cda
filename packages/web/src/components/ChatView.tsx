import type { ChatMessage, MessageStatus } from '@parley/client';
import { MAX_TEXT_BYTES } from '@parley/core';
import { type FormEvent, type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Conversation } from '../containers/chatModel.js';
import { conversationTitle, others } from './ConversationList.js';

interface Props {
  me: string;
  conversation: Conversation;
  /** The page of history shown (the latest messages, and earlier pages the person asked for). */
  messages: readonly ChatMessage[];
  /** How many earlier messages are not shown yet. */
  earlier: number;
  /** The history is being read. */
  loading: boolean;
  typing: string[];
  verified: ReadonlySet<string>;
  online: ReadonlySet<string>;
  undecryptable: number;
  /** Sending is held (a member's identity changed): the composer says so. */
  held: boolean;
  onLoadEarlier: () => void;
  onSend: (text: string) => Promise<void>;
  onTyping: (typing: boolean) => void;
  onSafetyNumber: (accountId: string) => void;
  onMembers: () => void;
  onBack: () => void;
}

const STATUS_LABEL: Record<MessageStatus, string> = {
  sending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  failed: 'Not sent',
  received: '',
};

const STATUS_GLYPH: Record<MessageStatus, string> = {
  sending: '○',
  sent: '✓',
  delivered: '✓✓',
  read: '✓✓',
  failed: '!',
  received: '',
};

function Ticks({ status }: { status: MessageStatus }) {
  if (status === 'received') return null;
  const glyph = STATUS_GLYPH[status];
  return (
    <span className={`ticks ${status}`} title={STATUS_LABEL[status]} data-status={status}>
      <span aria-hidden="true">{glyph}</span>
      <span className="visually-hidden">{STATUS_LABEL[status]}</span>
    </span>
  );
}

function LockIcon() {
  return (
    <svg className="lock" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d="M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7zm2 0h4V5a2 2 0 0 0-4 0z" fill="currentColor" />
    </svg>
  );
}

function time(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** One conversation: encryption status, messages with delivery ticks, typing, composer (pure view). */
export function ChatView(props: Props) {
  const { me, conversation: c, messages, typing, verified, online, held } = props;
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  const endRef = useRef<HTMLLIElement>(null);
  const typingSent = useRef(false);
  const title = conversationTitle(c, me);
  const people = others(c, me);
  const allVerified = people.length > 0 && people.every((p) => verified.has(p));
  const lastId = messages.at(-1)?.id;
  const firstId = messages[0]?.id;
  const listRef = useRef<HTMLOListElement>(null);
  const earlierRef = useRef<HTMLButtonElement>(null);
  /** While earlier messages are added above: the distance to the list's bottom to keep, and focus. */
  const anchor = useRef<{ fromBottom: number; focused: boolean } | undefined>(undefined);

  useEffect(() => {
    if (lastId !== undefined) endRef.current?.scrollIntoView({ block: 'end' });
  }, [lastId]);

  // Earlier messages were added above: what the person was looking at stays where it was.
  useLayoutEffect(() => {
    const list = listRef.current;
    const kept = anchor.current;
    if (firstId === undefined || kept === undefined || list === null) return;
    anchor.current = undefined;
    list.scrollTop = list.scrollHeight - kept.fromBottom;
    // The button is gone once everything is shown: focus stays in the conversation.
    if (kept.focused && earlierRef.current === null) list.focus({ preventScroll: true });
  }, [firstId]);

  const loadEarlier = () => {
    const list = listRef.current;
    if (list === null || anchor.current !== undefined) return;
    anchor.current = {
      fromBottom: list.scrollHeight - list.scrollTop,
      focused: document.activeElement === earlierRef.current,
    };
    props.onLoadEarlier();
  };

  // Scrolling up to the top shows the page before.
  const onScroll = () => {
    if (props.earlier > 0 && (listRef.current?.scrollTop ?? 8) < 8) loadEarlier();
  };

  const setTyping = (t: boolean) => {
    if (typingSent.current !== t) {
      typingSent.current = t;
      props.onTyping(t);
    }
  };

  const submit = async (e?: FormEvent) => {
    e?.preventDefault();
    const text = draft;
    if (text.trim().length === 0) return;
    setError(undefined);
    try {
      setDraft('');
      setTyping(false);
      await props.onSend(text);
    } catch (err) {
      setDraft(text);
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <section className="chat" aria-label={`Conversation: ${title}`}>
      <header className="chat-header">
        <button type="button" className="icon back" aria-label="Back to conversations" onClick={props.onBack}>
          ←
        </button>
        <div className="chat-title">
          <h2>{title}</h2>
          <p className="encryption" data-testid="encryption-status">
            <LockIcon /> End-to-end encrypted · MLS
            {c.epoch !== undefined && ` · epoch ${c.epoch}`} ·{' '}
            <span className={allVerified ? 'verified' : 'unverified'}>
              {allVerified ? 'verified' : 'not verified'}
            </span>
          </p>
          {c.direct && people[0] !== undefined && (
            <p className="muted small">{online.has(people[0]) ? 'online' : 'offline'}</p>
          )}
        </div>
        <div className="chat-actions">
          {c.ended && <span className="muted small">ended</span>}
          {c.direct && people[0] !== undefined ? (
            <button type="button" onClick={() => props.onSafetyNumber(people[0]!)}>
              Safety number
            </button>
          ) : null}
          <button type="button" onClick={props.onMembers}>
            {c.direct ? 'Details' : 'Members'}
          </button>
        </div>
      </header>
      <ol
        ref={listRef}
        className="messages"
        aria-live="polite"
        aria-label="Messages"
        aria-busy={props.loading}
        tabIndex={-1}
        onScroll={onScroll}
      >
        {props.earlier > 0 && (
          <li className="earlier">
            <button type="button" ref={earlierRef} onClick={loadEarlier}>
              Load earlier messages
            </button>
          </li>
        )}
        {props.loading && (
          <li className="notice" role="status">
            Loading messages…
          </li>
        )}
        {messages.map((m) => {
          const mine = m.from.accountId === me;
          return (
            <li key={m.id} className={`message ${mine ? 'mine' : 'theirs'}`} data-from={m.from.accountId}>
              {!mine && !c.direct && <span className="sender">{m.from.accountId}</span>}
              <span className="text">{m.text}</span>
              <span className="meta">
                <time dateTime={new Date(m.sentAt).toISOString()}>{time(m.sentAt)}</time>
                {mine && <Ticks status={m.status} />}
              </span>
            </li>
          );
        })}
        {props.undecryptable > 0 && (
          <li className="notice" role="status">
            {props.undecryptable === 1
              ? '1 message could not be decrypted.'
              : `${props.undecryptable} messages could not be decrypted.`}
          </li>
        )}
        <li ref={endRef} className="end" aria-hidden="true" />
      </ol>
      <p className="typing" aria-live="polite">
        {typing.length === 0
          ? ''
          : typing.length === 1
            ? `${typing[0]} is typing…`
            : `${typing.join(', ')} are typing…`}
      </p>
      {c.ended && (
        <p className="notice warn" role="status" data-testid="ended">
          You are no longer a member of this conversation. Its history stays on this device.
        </p>
      )}
      {c.leaving && !c.ended && (
        <p className="notice" role="status">
          Leaving… the next member online completes it.
        </p>
      )}
      {held && (
        <p className="notice warn" role="status">
          A safety number in this conversation changed. Messages wait until you review it.
        </p>
      )}
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer" className="visually-hidden">
          Message
        </label>
        <textarea
          id="composer"
          rows={1}
          placeholder="Message"
          // UTF-16 units: a text within it can still be too long in UTF-8, which sending checks.
          maxLength={MAX_TEXT_BYTES}
          disabled={c.ended || c.leaving}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            setTyping(e.target.value.length > 0);
          }}
          onBlur={() => setTyping(false)}
          onKeyDown={onKeyDown}
        />
        <button
          type="submit"
          className="primary"
          disabled={draft.trim().length === 0 || c.ended || c.leaving}
        >
          Send
        </button>
      </form>
    </section>
  );
}
