/**
 * One message of the open conversation (pure view): the quote it replies to, its text or file (or
 * the tombstone of a deleted one), an "edited" mark, its reactions with who reacted, the delivery
 * ticks of one's own, and its actions (reply, react with an emoji picker, edit and delete one's
 * own, a file is not edited; report someone else's, even in a conversation that ended), shown on hover, on focus (always reachable by keyboard) or, on a
 * touch screen, after a long press.
 */
import type { ChatMessage, MessageStatus } from '@parley/client';
import { type KeyboardEvent, type PointerEvent, useEffect, useRef, useState } from 'react';
import { type MessageId, t } from '../i18n/t.js';
import { formatMoment } from '../time.js';
import { AttachmentView, type FetchFile } from './Attachment.js';

/** The emoji the picker offers. */
export const PICKER_EMOJI = ['👍', '❤️', '😂', '😮', '😢', '🎉', '🙏', '👀'];

export interface MessageActions {
  onReply: (m: ChatMessage) => void;
  onReact: (m: ChatMessage, emoji: string) => void;
  onEdit: (m: ChatMessage, text: string) => Promise<void>;
  onDelete: (m: ChatMessage) => void;
  /** Report someone else's message to the server's operator (opens the report dialog). */
  onReport: (m: ChatMessage) => void;
  /** Fetch a message's file (an image opened, a file downloaded). */
  onFetch: FetchFile;
}

interface Props extends MessageActions {
  m: ChatMessage;
  me: string;
  /** The sender's name is shown (a group, someone else's message). */
  showSender: boolean;
  /** The conversation can be written to (not ended or leaving). */
  writable: boolean;
}

const STATUS_LABEL: Record<MessageStatus, MessageId | undefined> = {
  sending: 'status.sending',
  sent: 'status.sent',
  delivered: 'status.delivered',
  read: 'status.read',
  failed: 'status.failed',
  received: undefined,
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
  const label = STATUS_LABEL[status];
  const text = label === undefined ? '' : t(label);
  return (
    <span className={`ticks ${status}`} title={text} data-status={status}>
      <span aria-hidden="true">{glyph}</span>
      <span className="visually-hidden">{text}</span>
    </span>
  );
}

function Quote({ m }: { m: ChatMessage }) {
  const q = m.replyTo;
  if (q === undefined) return null;
  return (
    <blockquote className="quote" data-reply-to={q.id}>
      {q.from === undefined ? (
        <span className="muted">{t('message.notHere')}</span>
      ) : (
        <>
          <span className="quote-from">{q.from}</span>{' '}
          <span className="quote-text">{q.deleted === true ? t('message.deleted') : q.text}</span>
        </>
      )}
    </blockquote>
  );
}

function Reactions({ m, me, onReact }: { m: ChatMessage; me: string; onReact: (emoji: string) => void }) {
  const entries = Object.entries(m.reactions ?? {});
  if (entries.length === 0) return null;
  return (
    <ul className="reactions" aria-label={t('message.reactions')}>
      {entries.map(([emoji, who]) => (
        <li key={emoji}>
          <button
            type="button"
            className="reaction"
            aria-pressed={who.includes(me)}
            aria-label={`${emoji} ${who.length}: ${who.join(', ')}`}
            title={who.join(', ')}
            data-emoji={emoji}
            onClick={() => onReact(emoji)}
          >
            {emoji} <span className="count">{who.length}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

function Picker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const ref = useRef<HTMLFieldSetElement>(null);
  // Opening the picker moves focus to its first emoji; Escape closes it.
  useEffect(() => ref.current?.querySelector('button')?.focus(), []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') onClose();
  };
  return (
    <fieldset className="picker" ref={ref} onKeyDown={onKeyDown}>
      <legend className="visually-hidden">{t('message.pickReaction')}</legend>
      {PICKER_EMOJI.map((emoji) => (
        <button
          key={emoji}
          type="button"
          aria-label={t('message.reactWith', { emoji })}
          onClick={() => onPick(emoji)}
        >
          {emoji}
        </button>
      ))}
    </fieldset>
  );
}

function EditForm({
  m,
  onSave,
  onCancel,
}: {
  m: ChatMessage;
  onSave: (t: string) => void;
  onCancel: () => void;
}) {
  const [text, setText] = useState(m.text);
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => box.current?.focus(), []);
  return (
    <form
      className="edit-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim() !== '') onSave(text);
      }}
    >
      <label className="visually-hidden" htmlFor={`edit-${m.id}`}>
        {t('message.editLabel')}
      </label>
      <textarea
        id={`edit-${m.id}`}
        ref={box}
        value={text}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onCancel();
        }}
      />
      <span className="edit-buttons">
        <button type="button" onClick={onCancel}>
          {t('message.cancel')}
        </button>
        <button type="submit" className="primary" disabled={text.trim() === ''}>
          {t('message.save')}
        </button>
      </span>
    </form>
  );
}

/** Delete, then "Delete for everyone" or "Keep" once asked. */
function DeleteButtons(props: {
  asking: boolean;
  onAsk: () => void;
  onKeep: () => void;
  onDelete: () => void;
}) {
  if (!props.asking)
    return (
      <button type="button" onClick={props.onAsk}>
        {t('message.delete')}
      </button>
    );
  return (
    <>
      <button type="button" className="danger" onClick={props.onDelete}>
        {t('message.deleteForEveryone')}
      </button>
      <button type="button" onClick={props.onKeep}>
        {t('message.keep')}
      </button>
    </>
  );
}

/** 'shown': the actions, opened by a long press on a touch screen (which has no hover). */
type Mode = 'idle' | 'shown' | 'picking' | 'editing' | 'deleting';

/** How long a touch rests on a message before its actions show. */
const LONG_PRESS_MS = 500;

/** Pointer handlers that show a message's actions after a long press of a finger (not a mouse). */
function useLongPress(enabled: boolean, onLongPress: () => void) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const cancel = () => clearTimeout(timer.current);
  return {
    onPointerDown: (e: PointerEvent) => {
      cancel();
      if (enabled && e.pointerType === 'touch') timer.current = setTimeout(onLongPress, LONG_PRESS_MS);
    },
    onPointerUp: cancel,
    onPointerCancel: cancel,
    onPointerLeave: cancel,
  };
}

export function MessageItem(props: Props) {
  const { m, me, showSender, writable } = props;
  const [mode, setMode] = useState<Mode>('idle');
  const [error, setError] = useState<string | undefined>();
  const reactButton = useRef<HTMLButtonElement>(null);
  const mine = m.from.accountId === me;
  const deleted = m.deleted === true;
  // Only a message in the log can be answered or changed (one still sending has no place yet).
  const actionable = writable && !deleted && m.seq > 0;
  const reportable = !mine && !deleted && m.seq > 0;
  const longPress = useLongPress(actionable || reportable, () =>
    setMode(mode === 'shown' ? 'idle' : 'shown'),
  );
  const save = (text: string) => {
    setError(undefined);
    props.onEdit(m, text).then(
      () => setMode('idle'),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };
  return (
    <li
      {...longPress}
      className={`message ${mine ? 'mine' : 'theirs'}${deleted ? ' deleted' : ''}`}
      data-from={m.from.accountId}
      data-id={m.id}
    >
      {showSender && <span className="sender">{m.from.accountId}</span>}
      <Quote m={m} />
      {mode === 'editing' ? (
        <EditForm m={m} onSave={save} onCancel={() => setMode('idle')} />
      ) : deleted ? (
        <span className="text tombstone">{t('message.deleted')}</span>
      ) : m.attachment !== undefined ? (
        <AttachmentView info={m.attachment} fetchFile={props.onFetch} />
      ) : (
        <span className="text">{m.text}</span>
      )}
      {error !== undefined && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
      <Reactions m={m} me={me} onReact={(emoji) => props.onReact(m, emoji)} />
      <span className="meta">
        {m.edited !== undefined && !deleted && <span className="edited">{t('message.edited')}</span>}
        <time dateTime={new Date(m.sentAt).toISOString()}>{formatMoment(m.sentAt)}</time>
        {mine && <Ticks status={m.status} />}
      </span>
      {(actionable || reportable) && mode !== 'editing' && (
        <span className={`actions${mode === 'idle' ? '' : ' open'}`}>
          {actionable && (
            <>
              <button
                type="button"
                onClick={() => {
                  setMode('idle');
                  props.onReply(m);
                }}
              >
                {t('message.reply')}
              </button>
              <button
                type="button"
                ref={reactButton}
                aria-expanded={mode === 'picking'}
                onClick={() => setMode(mode === 'picking' ? 'idle' : 'picking')}
              >
                {t('message.react')}
              </button>
            </>
          )}
          {reportable && (
            <button
              type="button"
              onClick={() => {
                setMode('idle');
                props.onReport(m);
              }}
            >
              {t('message.report')}
            </button>
          )}
          {actionable && mine && m.attachment === undefined && (
            <button type="button" onClick={() => setMode('editing')}>
              {t('message.edit')}
            </button>
          )}
          {actionable && mine && (
            <DeleteButtons
              asking={mode === 'deleting'}
              onAsk={() => setMode('deleting')}
              onKeep={() => setMode('idle')}
              onDelete={() => props.onDelete(m)}
            />
          )}
        </span>
      )}
      {mode === 'picking' && (
        <Picker
          onPick={(emoji) => {
            setMode('idle');
            props.onReact(m, emoji);
          }}
          onClose={() => {
            setMode('idle');
            reactButton.current?.focus();
          }}
        />
      )}
    </li>
  );
}
