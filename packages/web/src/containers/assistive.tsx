/**
 * What the chat screen does for people using a keyboard or a screen reader beyond the views
 * themselves: focus put back on the conversation left with Back, and the live region that says
 * each incoming message (see browserSignals.ts).
 */
import { useEffect, useState } from 'react';
import type { Announcement } from './browserSignals.js';

/**
 * Back (one pane at a time, on a narrow screen) puts focus on the conversation just left, once the
 * list shows again; call the function returned with the conversation being left.
 */
export function useFocusAfterBack(openId: string | undefined): (leaving: string) => void {
  const [backFrom, setBackFrom] = useState<string | undefined>();
  useEffect(() => {
    if (backFrom === undefined || openId !== undefined) return;
    document.querySelector<HTMLElement>(`button.conversation[data-id="${CSS.escape(backFrom)}"]`)?.focus();
    setBackFrom(undefined);
  }, [backFrom, openId]);
  return setBackFrom;
}

/** What a screen reader says: each message from someone else, once (the history is not a live region). */
export function Announcer({ said }: { said: Announcement | undefined }) {
  return (
    <p className="visually-hidden" aria-live="polite" data-testid="announcer">
      {said !== undefined && <span key={said.n}>{said.text}</span>}
    </p>
  );
}
