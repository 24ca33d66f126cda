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

const DAY_MS = 86_400_000;

/** How far back the history sent to a new device goes. */
export type HistoryChoice = 'all' | '30d' | '7d' | 'none';

export const HISTORY_CHOICES: ReadonlyArray<{ value: HistoryChoice; label: string }> = [
  { value: '30d', label: 'The last 30 days' },
  { value: '7d', label: 'The last 7 days' },
  { value: 'all', label: 'All of it' },
  { value: 'none', label: 'None' },
];

/** The oldest time sent (0: everything), or null for none. */
export function historySince(choice: HistoryChoice, now = Date.now()): number | null {
  if (choice === 'none') return null;
  if (choice === 'all') return 0;
  return now - (choice === '30d' ? 30 : 7) * DAY_MS;
}

const counted = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

function percent(done: number, total: number): string {
  return total <= 0 ? '0%' : `${Math.min(100, Math.floor((100 * done) / total))}%`;
}

/** What was sent or received, as a sentence. */
export function summaryText(s: HistorySummary, sent: boolean): string {
  const what = `${counted(s.messages, 'message')} of ${counted(s.conversations, 'conversation')}`;
  if (sent && s.bytes === 0)
    return 'There was no history to send: the new device starts with what is said from now on.';
  return sent
    ? `Sent ${what} to the new device, end-to-end encrypted.`
    : `Received ${what} from your other device.`;
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
    return 'No history is sent: the new device starts with what is said from now on.';
  }
  onProgress('Preparing your history…');
  const sent = await client.sendHistory(api, token, code, {
    since,
    onProgress: (done, total) => onProgress(`Sending your history… ${percent(done, total)}`),
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
  onProgress(`Waiting for your history from your other device (up to ${HISTORY_WAIT_MS / 60_000} minutes)…`);
  const got = await receiveHistory({
    ...o,
    socketFactory: browserSocketFactory,
    onProgress: (done, total) => onProgress(`Receiving your history… ${percent(done, total)}`),
  });
  onProgress(
    got === null
      ? 'No history came from your other device: this device starts with an empty history.'
      : summaryText(got, false),
  );
}
