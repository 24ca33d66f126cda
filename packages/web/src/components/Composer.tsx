/**
 * The composer of the open conversation (pure view): the draft, typing, send errors, the reply
 * being written, and files to send (chosen with the attach button, or pasted into the draft); Page
 * Up and Page Down scroll the messages from it.
 */
import type { ChatMessage } from '@parley/client';
import { MAX_TEXT_BYTES } from '@parley/core';
import { type ClipboardEvent, type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { messageSummary } from '../format.js';
import { Rich } from '../i18n/Rich.js';
import { t } from '../i18n/t.js';

interface Props {
  /** The conversation cannot be written to (ended, or leaving). */
  disabled: boolean;
  /** The message being replied to, if any (shown above the draft, with a way to cancel). */
  replyingTo: ChatMessage | undefined;
  onCancelReply: () => void;
  onSend: (text: string) => Promise<void>;
  onTyping: (typing: boolean) => void;
  /** Files chosen or pasted, to send. */
  onFiles: (files: File[]) => void;
}

export function Composer(props: Props) {
  const { disabled, replyingTo } = props;
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  const typingSent = useRef(false);
  const box = useRef<HTMLTextAreaElement>(null);

  // Choosing Reply puts the cursor in the composer.
  useEffect(() => {
    if (replyingTo !== undefined) box.current?.focus();
  }, [replyingTo]);
  // So does opening the conversation, where there is a keyboard (a touch screen's would pop up).
  useEffect(() => {
    if (window.matchMedia('(pointer: fine)').matches) box.current?.focus({ preventScroll: true });
  }, []);

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
    } else if (e.key === 'Escape' && replyingTo !== undefined) props.onCancelReply();
    else if (e.key === 'PageUp' || e.key === 'PageDown') pageMessages(e);
  };

  // Pasted files (a screenshot, files copied in a file manager) are sent; pasted text is typed.
  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(e.clipboardData.files);
    if (files.length === 0) return;
    e.preventDefault();
    props.onFiles(files);
  };

  return (
    <>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {replyingTo !== undefined && (
        <div className="replying" data-testid="replying">
          <span>
            <Rich
              id="composer.replyingTo"
              values={{ name: replyingTo.from.accountId, text: messageSummary(replyingTo) }}
            />
          </span>
          <button
            type="button"
            className="icon"
            aria-label={t('composer.cancelReply')}
            onClick={props.onCancelReply}
          >
            ×
          </button>
        </div>
      )}
      <form className="composer" onSubmit={submit}>
        <AttachButton disabled={disabled} onFiles={props.onFiles} />
        <label htmlFor="composer" className="visually-hidden">
          {t('composer.message')}
        </label>
        <textarea
          id="composer"
          ref={box}
          rows={1}
          placeholder={replyingTo === undefined ? t('composer.message') : t('composer.reply')}
          // UTF-16 units: a text within it can still be too long in UTF-8, which sending checks.
          maxLength={MAX_TEXT_BYTES}
          disabled={disabled}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            setTyping(e.target.value.length > 0);
          }}
          onBlur={() => setTyping(false)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <button type="submit" className="primary" disabled={draft.trim().length === 0 || disabled}>
          {t('composer.send')}
        </button>
      </form>
    </>
  );
}

/** A button that opens the browser's file chooser (a hidden file input); the files chosen are sent. */
function AttachButton({ disabled, onFiles }: { disabled: boolean; onFiles: (files: File[]) => void }) {
  const picker = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        aria-hidden="true"
        data-testid="file-input"
        disabled={disabled}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
      <button
        type="button"
        className="icon attach"
        aria-label={t('composer.attach')}
        title={t('composer.attach')}
        disabled={disabled}
        onClick={() => picker.current?.click()}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path
            d="M16.5 6.5 8.4 14.6a2 2 0 0 0 2.8 2.8l8.5-8.5a4 4 0 0 0-5.7-5.7L5.5 11.7a6 6 0 0 0 8.5 8.5l6.4-6.4"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.6"
            strokeLinecap="round"
          />
        </svg>
      </button>
    </>
  );
}

/** Page Up and Page Down in the composer scroll the conversation's messages by a screenful. */
function pageMessages(e: KeyboardEvent<HTMLTextAreaElement>): void {
  const list = e.currentTarget.closest('.chat')?.querySelector('.messages');
  if (list === null || list === undefined) return;
  e.preventDefault();
  list.scrollBy({ top: (e.key === 'PageUp' ? -0.9 : 0.9) * list.clientHeight });
}
