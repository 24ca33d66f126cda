/**
 * History on a newly linked browser (issue #18, SDK historyTransfer.ts). The device that links
 * sends the account's history, as far back as the person chose, right after it shows the link
 * code; the new browser, once it has picked its identity up with that code, waits for the history
 * and writes it into its store before its client first opens. Both report their progress as
 * sentences. This module is handed what it needs (no import of session.ts, which uses it).
 */

import {
  declineHistory,
  HISTORY_WAIT_MS,
  type HistorySummary,
  type ParleyApi,
  type ParleyClient,
  type ReceiveHistoryOptions,
  receiveHistory,
} from '@parley/client';
import { browserSocketFactory } from '@parley/client/browser';
import { type MessageId, t } from './i18n/t.js';

const DAY_MS = 86_400_000;

/** How far back the history sent to a new device goes. */
export type HistoryChoice = 'all' | '30d' | '7d' | 'none';

export const HISTORY_CHOICES: ReadonlyArray<{ value: HistoryChoice; label: MessageId }> = [
  { value: '30d', label: 'link.history30d' },
  { value: '7d', label: 'link.history7d' },
  { value: 'all', label: 'link.historyAll' },
  { value: 'none', label: 'link.historyNone' },
];

/** The oldest time sent (0: everything), or null for none. */
export function historySince(choice: HistoryChoice, now = Date.now()): number | null {
  if (choice === 'none') return null;
  if (choice === 'all') return 0;
  return now - (choice === '30d' ? 30 : 7) * DAY_MS;
}

function percent(done: number, total: number): string {
  return total <= 0 ? '0%' : `${Math.min(100, Math.floor((100 * done) / total))}%`;
}

/** What was sent or received, as a sentence. */
export function summaryText(s: HistorySummary, sent: boolean): string {
  const what = t('history.what', { messages: s.messages, conversations: s.conversations });
  if (sent && s.bytes === 0) return t('history.nothingToSend');
  return sent ? t('history.sent', { what }) : t('history.received', { what });
}

/**
 * On the linking device, with the session the link was offered under: send the history from
 * `since` (or say none comes), reporting the upload's progress. Resolves with what happened.
 */
export async function sendLinkHistory(
  client: ParleyClient,
  api: ParleyApi,
  token: string,
  code: string,
  since: number | null,
  onProgress: (text: string) => void,
): Promise<string> {
  if (since === null) {
    await declineHistory(api, token, code);
    return t('history.noneSent');
  }
  onProgress(t('history.preparing'));
  const sent = await client.sendHistory(api, token, code, {
    since,
    onProgress: (done, total) => onProgress(t('history.sending', { percent: percent(done, total) })),
  });
  return summaryText(sent, true);
}

/** What receiving needs besides the browser's socket and the progress (the SDK's options). */
export type ReceiveInto = Omit<
  ReceiveHistoryOptions,
  'socketFactory' | 'blobHttp' | 'primitives' | 'onProgress' | 'waitMs' | 'signal'
>;

/** On the new browser, before its client first opens: wait for the history and write it. */
export async function receiveLinkHistory(o: ReceiveInto, onProgress: (text: string) => void): Promise<void> {
  onProgress(t('history.waiting', { minutes: HISTORY_WAIT_MS / 60_000 }));
  const got = await receiveHistory({
    ...o,
    socketFactory: browserSocketFactory,
    onProgress: (done, total) => onProgress(t('history.receiving', { percent: percent(done, total) })),
  });
  onProgress(got === null ? t('history.noneCame') : summaryText(got, false));
}
