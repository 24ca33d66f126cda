/**
 * The person's safety tools (pure views): the confirmation before blocking someone, the form that
 * reports a message to the server's operator, the list of blocked people, and the download of
 * their history (as JSON and as a web page, from Blob object URLs made here and revoked after).
 */
import type { ChatMessage, HistoryExport } from '@parley/client';
import { useEffect, useId, useState } from 'react';
import { ErrorText } from './Forms.js';

/** A report's reason, at most (the SDK's limit, counted in characters). */
export const MAX_REPORT_REASON_CHARS = 1000;

interface BlockProps {
  accountId: string;
  busy: boolean;
  error: string | undefined;
  onBlock: () => void;
  onCancel: () => void;
}

/** What blocking does, and the buttons to do it or not. */
export function BlockConfirm({ accountId, busy, error, onBlock, onCancel }: BlockProps) {
  return (
    <div className="stack" data-testid="block-confirm">
      <p>
        Messages {accountId} sends from now on are dropped on this device, and the ones shown here are hidden.
        A chat with only {accountId} leaves your list; in groups you stay, but you no longer see what they
        write. You stop seeing when each other are online (the server learns your block list for that;{' '}
        {accountId} is not told).
      </p>
      <p className="muted">
        Blocking is kept on this device only (your other devices block for themselves). Unblock in Privacy.
      </p>
      <ErrorText error={error} />
      <div className="row">
        <button type="button" className="danger" disabled={busy} onClick={onBlock}>
          Block {accountId}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

interface ReportProps {
  message: ChatMessage;
  /** The report's id, once the server took it. */
  reportId: string | undefined;
  busy: boolean;
  error: string | undefined;
  onReport: (reason: string) => void;
  onDone: () => void;
}

/** The reason for reporting one message, with what leaves the device; then the confirmation. */
export function ReportForm({ message, reportId, busy, error, onReport, onDone }: ReportProps) {
  const [reason, setReason] = useState('');
  const id = useId();
  const what =
    message.attachment !== undefined ? 'this file’s name, type and size' : 'the text of this message';
  if (reportId !== undefined)
    return (
      <div className="stack">
        <p role="status" data-testid="report-sent">
          Report sent. The server’s operator can now read it and decide what to do.
        </p>
        <div className="row">
          <button type="button" className="primary" onClick={onDone}>
            Done
          </button>
        </div>
      </div>
    );
  const tooLong = [...reason].length > MAX_REPORT_REASON_CHARS;
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        if (reason.trim() !== '' && !tooLong) onReport(reason);
      }}
    >
      <p>
        Only {what}, who sent it and when, and your reason are shown to the operator of your server. Nothing
        else of this conversation leaves your device.
      </p>
      <blockquote className="quote">
        <span className="quote-from">{message.from.accountId}</span>{' '}
        <span className="quote-text">{message.attachment?.name ?? message.text}</span>
      </blockquote>
      <label htmlFor={`${id}-reason`}>Reason (required)</label>
      <textarea
        id={`${id}-reason`}
        name="reason"
        rows={3}
        required
        maxLength={MAX_REPORT_REASON_CHARS}
        aria-describedby={`${id}-count`}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <span id={`${id}-count`} className="muted small">
        {[...reason].length} of {MAX_REPORT_REASON_CHARS} characters
      </span>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy || reason.trim() === '' || tooLong}>
        {busy ? 'Sending…' : 'Send report'}
      </button>
    </form>
  );
}

interface BlockedProps {
  blocked: readonly string[];
  busy: boolean;
  onUnblock: (accountId: string) => void;
}

/** The people blocked on this device, each with Unblock. */
export function BlockedList({ blocked, busy, onUnblock }: BlockedProps) {
  return (
    <section className="stack" aria-labelledby="blocked-heading">
      <h3 id="blocked-heading">Blocked people</h3>
      {blocked.length === 0 ? (
        <p className="muted">You have not blocked anyone.</p>
      ) : (
        <ul className="members" data-testid="blocked">
          {blocked.map((a) => (
            <li key={a} data-blocked={a}>
              <span className="member-name">{a}</span>
              <button type="button" disabled={busy} onClick={() => onUnblock(a)}>
                Unblock <span className="visually-hidden">{a}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface Download {
  json: string;
  html: string;
}

/** The file names of a download of `account`'s history made at `at`. */
function fileName(account: string, at: number, ext: string): string {
  return `parley-${account}-${new Date(at).toISOString().slice(0, 10)}.${ext}`;
}

interface HistoryProps {
  busy: boolean;
  /** Read the history and render it as a page (the SDK's export). */
  onExport: () => Promise<{ data: HistoryExport; html: string }>;
  run: (work: () => Promise<void>) => Promise<void>;
}

/** "Download my history": prepared on request, then offered as two links (JSON and a web page). */
export function HistoryDownload({ busy, onExport, run }: HistoryProps) {
  const [ready, setReady] = useState<(Download & { account: string; at: number }) | undefined>();
  // The object URLs hold the decrypted history in memory: revoked when replaced or closed.
  useEffect(
    () => () => {
      if (ready === undefined) return;
      URL.revokeObjectURL(ready.json);
      URL.revokeObjectURL(ready.html);
    },
    [ready],
  );
  const prepare = () =>
    void run(async () => {
      const { data, html } = await onExport();
      setReady({
        account: data.account,
        at: data.exportedAt,
        json: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' })),
        html: URL.createObjectURL(new Blob([html], { type: 'text/html' })),
      });
    });
  return (
    <section className="stack" aria-labelledby="history-heading">
      <h3 id="history-heading">Your history</h3>
      <p>
        Download the messages kept on this device, decrypted, to keep them elsewhere. Anyone who gets the file
        can read them.
      </p>
      <div className="row">
        <button type="button" disabled={busy} onClick={prepare}>
          {ready === undefined ? 'Download my history' : 'Prepare again'}
        </button>
      </div>
      {ready !== undefined && (
        <p className="row downloads">
          <a href={ready.json} download={fileName(ready.account, ready.at, 'json')} type="application/json">
            Download as JSON
          </a>
          <a href={ready.html} download={fileName(ready.account, ready.at, 'html')} type="text/html">
            Download as a web page
          </a>
        </p>
      )}
    </section>
  );
}
