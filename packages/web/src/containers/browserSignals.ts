/**
 * What the signed-in app tells the browser and hears from it: the unread count in the tab's
 * title, whether the page is visible (read receipts wait for it), and notifications for messages
 * arriving while the tab is hidden (a click opens the chat).
 */

import { useEffect } from 'react';
import { conversationTitle } from '../components/ConversationList.js';
import { messageSummary } from '../format.js';
import type { ChatModel } from './chatModel.js';

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

export function useBrowserSignals(model: ChatModel, me: string, unread: number): void {
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
}
