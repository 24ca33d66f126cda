/**
 * The part of a conversation's history the messages list puts in the page (issue #19): at most
 * HISTORY_WINDOW messages in a row, however many pages were read. The pages read stay in memory
 * (chatState.ts); the window moves over them a page at a time when the list is scrolled to either
 * end (or its buttons are pressed), and only past the oldest page read does it ask for the page
 * before (a read of the store). While the window is on the newest messages it follows them as they
 * arrive, as long as the list is scrolled to its bottom; a message the person sends brings it back
 * there. What the person was looking at stays in place when the window moves: the first message
 * in view is kept at the same height.
 */
import { type ChatMessage, HISTORY_PAGE_SIZE } from '@parley/client';
import { type RefObject, useEffect, useLayoutEffect, useRef, useState } from 'react';

/** The most messages in the page at once. */
export const HISTORY_WINDOW = 3 * HISTORY_PAGE_SIZE;
/** How many messages the window moves by. */
const STEP = HISTORY_PAGE_SIZE;
/** How close (px) to an end of the list a scroll must come to move the window. */
const EDGE = 8;
/**
 * How close (px) to its bottom the list counts as at the bottom, and follows new messages: the
 * newest scrolled into view leaves the list's bottom padding below it, and a few pixels more should
 * not stop the list following.
 */
const NEAR_BOTTOM = 48;

export interface HistoryWindowOptions {
  list: RefObject<HTMLOListElement | null>;
  /** The whole history read so far, oldest first. */
  messages: readonly ChatMessage[];
  /** The store holds messages before those read. */
  more: boolean;
  /** The page before is being read. */
  loadingEarlier: boolean;
  onLoadEarlier: () => void;
  me: string;
  /** The list's last item, after the newest message. */
  newest: RefObject<HTMLLIElement | null>;
}

export interface HistoryWindow {
  /** The messages to put in the page. */
  shown: readonly ChatMessage[];
  /** There are messages before those shown (read, or still in the store). */
  earlier: boolean;
  /** There are messages after those shown. */
  later: boolean;
  showEarlier: () => void;
  showLater: () => void;
  /** The list's scroll handler: at either end, the window moves that way. */
  onScroll: () => void;
}

/** The first message shown (and where it was), when the window is not on the newest messages. */
interface Top {
  id: string;
  at: number;
}

/**
 * Where the window lies in `messages`: on the newest, or from the message `top` (from where it
 * was, when it is gone: it expired, or its sender was blocked).
 */
function range(messages: readonly ChatMessage[], top: Top | undefined): { start: number; end: number } {
  const n = messages.length;
  if (top === undefined) return { start: Math.max(0, n - HISTORY_WINDOW), end: n };
  const i = messages[top.at]?.id === top.id ? top.at : messages.findIndex((m) => m.id === top.id);
  const start = i >= 0 ? i : Math.min(top.at, Math.max(0, n - HISTORY_WINDOW));
  return { start, end: Math.min(n, start + HISTORY_WINDOW) };
}

/** The window from the `at`th message on. */
const from = (messages: readonly ChatMessage[], at: number): Top => ({ id: messages[at]!.id, at });

/** The first message in view, and how far below the list's top edge it is. */
function firstInView(list: HTMLOListElement): { id: string; offset: number } | undefined {
  const top = list.getBoundingClientRect().top;
  for (const item of Array.from(list.querySelectorAll<HTMLElement>(':scope > li[data-id]'))) {
    const r = item.getBoundingClientRect();
    if (r.bottom > top) return { id: item.dataset.id!, offset: r.top - top };
  }
  return undefined;
}

export function useHistoryWindow(o: HistoryWindowOptions): HistoryWindow {
  const { list, messages, more, loadingEarlier, onLoadEarlier, me, newest } = o;
  /** The first message shown; undefined: the window is on the newest messages. */
  const [top, setTop] = useState<Top | undefined>();
  const { start, end } = range(messages, top);
  /** The message to keep in place while the window moves (or a page is read), and its height. */
  const anchor = useRef<{ id: string; offset: number } | undefined>(undefined);
  /** A page before was asked for to move the window there: move it once the page is read. */
  const wantEarlier = useRef(false);

  const keep = () => {
    if (list.current !== null) anchor.current = firstInView(list.current);
  };

  /** The window a step up, over pages read already. */
  const moveUp = () => {
    keep();
    setTop(from(messages, Math.max(0, start - STEP)));
  };

  const showEarlier = () => {
    if (start > 0) moveUp();
    else if (more && !loadingEarlier) {
      keep();
      wantEarlier.current = true;
      onLoadEarlier();
    }
  };

  const showLater = () => {
    if (end >= messages.length) return;
    keep();
    const next = Math.min(start + STEP, messages.length - HISTORY_WINDOW);
    setTop(next + HISTORY_WINDOW >= messages.length ? undefined : from(messages, next));
  };

  // After each change in the page: the message kept is put back at its height (until the page
  // asked for has been read, as a notice shows above meanwhile).
  useLayoutEffect(() => {
    const kept = anchor.current;
    const el = list.current;
    if (kept === undefined || el === null) return;
    if (!loadingEarlier) anchor.current = undefined;
    const item = el.querySelector(`:scope > li[data-id="${CSS.escape(kept.id)}"]`);
    if (item !== null)
      el.scrollTop += item.getBoundingClientRect().top - el.getBoundingClientRect().top - kept.offset;
  });

  // The page asked for was read: the window moves onto it (nothing to move when it all fits).
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the read ends, with this render's window
  useLayoutEffect(() => {
    if (loadingEarlier || !wantEarlier.current) return;
    wantEarlier.current = false;
    if (start > 0) moveUp();
  }, [loadingEarlier]);

  // A new newest message: scrolled to when the window is on the newest and the list was at its
  // bottom (someone reading further up is not pulled down, nor by their own message's confirmation
  // replacing its "sending" copy); one the person is sending brings the window back there and is
  // scrolled to.
  const last = messages.at(-1);
  const following = top === undefined;
  const seen = useRef<{ last: string | undefined; jump: boolean }>({ last: undefined, jump: false });
  const atBottom = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs for each new newest message, and when the window comes back to it
  useEffect(() => {
    const now = seen.current;
    const fresh = last !== undefined && last.id !== now.last;
    const sending = fresh && last.from.accountId === me && last.seq === 0;
    now.last = last?.id;
    if (!following) {
      if (sending) {
        now.jump = true;
        setTop(undefined);
      }
      return;
    }
    if ((fresh && (atBottom.current || sending)) || now.jump)
      newest.current?.scrollIntoView({ block: 'end' });
    now.jump = false;
  }, [last?.id, following]);

  const onScroll = () => {
    const el = list.current;
    if (el === null) return;
    const below = el.scrollHeight - el.scrollTop - el.clientHeight;
    atBottom.current = below < NEAR_BOTTOM;
    if (el.scrollTop < EDGE) showEarlier();
    else if (below < EDGE) showLater();
  };

  return {
    shown: start === 0 && end === messages.length ? messages : messages.slice(start, end),
    earlier: start > 0 || more,
    later: end < messages.length,
    showEarlier,
    showLater,
    onScroll,
  };
}
