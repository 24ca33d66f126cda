/** The composer of the open conversation (pure view): the draft, typing, send errors, and the reply being written. */
import type { ChatMessage } from '@parley/client';
import { MAX_TEXT_BYTES } from '@parley/core';
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';

interface Props {
  /** The conversation cannot be written to (ended, or leaving). */
  disabled: boolean;
  /** The message being replied to, if any (shown above the draft, with a way to cancel). */
  replyingTo: ChatMessage | undefined;
  onCancelReply: () => void;
  onSend: (text: string) => Promise<void>;
  onTyping: (typing: boolean) => void;
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
            Replying to <strong>{replyingTo.from.accountId}</strong>: {replyingTo.text}
          </span>
          <button type="button" className="icon" aria-label="Cancel reply" onClick={props.onCancelReply}>
            ×
          </button>
        </div>
      )}
      <form className="composer" onSubmit={submit}>
        <label htmlFor="composer" className="visually-hidden">
          Message
        </label>
        <textarea
          id="composer"
          ref={box}
          rows={1}
          placeholder={replyingTo === undefined ? 'Message' : 'Reply'}
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
        />
        <button type="submit" className="primary" disabled={draft.trim().length === 0 || disabled}>
          Send
        </button>
      </form>
    </>
  );
}
