/**
 * What the signed-in app tells the browser and hears from it: the unread count in the tab's
 * title, whether the page is visible (read receipts wait for it), notifications for messages
 * arriving while the tab is hidden (a click opens the chat), and the line a screen reader
 * announces for each message from someone else, whichever conversation it is in.
 */

import { useEffect, useState } from 'react';
import { conversationTitle } from '../components/ConversationList.js';
import { messageSummary } from '../format.js';
import type { ChatModel } from './chatModel.js';

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

/** The latest incoming message to announce; `n` counts them (the same words are said again). */
export interface Announcement {
  n: number;
  text: string;
}

/** The app's signals to the browser; returns the announcement of the latest incoming message. */
export function useBrowserSignals(model: ChatModel, me: string, unread: number): Announcement | undefined {
  const [said, setSaid] = useState<Announcement | undefined>();
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Parley` : 'Parley';
  }, [unread]);

  useEffect(() => {
    const onVisibility = () => model.setVisible(document.visibilityState === 'visible');
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    return () => document.removeEventListener('visibilitychange', onVisibility);
  }, [model]);

  useEffect(() => {
    model.onIncoming = (m, c) => {
      const where = c === undefined || c.direct ? '' : ` in ${conversationTitle(c, me)}`;
      const text = `${m.from.accountId}${where}: ${messageSummary(m)}`;
      setSaid((before) => ({ n: (before?.n ?? 0) + 1, text }));
      if (!document.hidden || !notificationsSupported() || Notification.permission !== 'granted') return;
      const title =
        c === undefined ? m.from.accountId : c.direct ? m.from.accountId : conversationTitle(c, me);
      const n = new Notification(title, {
        body: c?.direct ? messageSummary(m) : `${m.from.accountId}: ${messageSummary(m)}`,
        tag: m.groupId,
      });
      n.onclick = () => {
        window.focus();
        model.open(m.groupId);
      };
    };
    return () => {
      model.onIncoming = undefined;
    };
  }, [model, me]);
  return said;
}
