/**
 * The person's safety tools (pure views): the confirmation before blocking someone, the form that
 * reports a message to the server's operator, the list of blocked people, and the download of
 * their history (as JSON and as a web page, from Blob object URLs made here and revoked after).
 */
import type { ChatMessage, HistoryExport } from '@parley/client';
import { useEffect, useId, useState } from 'react';
import { t } from '../i18n/t.js';
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
      <p>{t('block.what', { accountId })}</p>
      <p className="muted">{t('block.thisDevice')}</p>
      <ErrorText error={error} />
      <div className="row">
        <button type="button" className="danger" disabled={busy} onClick={onBlock}>
          {t('block.button', { accountId })}
        </button>
        <button type="button" disabled={busy} onClick={onCancel}>
          {t('message.cancel')}
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
  if (reportId !== undefined)
    return (
      <div className="stack">
        <p role="status" data-testid="report-sent">
          {t('report.sent')}
        </p>
        <div className="row">
          <button type="button" className="primary" onClick={onDone}>
            {t('report.done')}
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
      <p>{t('report.what', { file: message.attachment !== undefined ? 'yes' : 'no' })}</p>
      <blockquote className="quote">
        <span className="quote-from">{message.from.accountId}</span>{' '}
        <span className="quote-text">{message.attachment?.name ?? message.text}</span>
      </blockquote>
      <label htmlFor={`${id}-reason`}>{t('report.reason')}</label>
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
        {t('report.count', { count: [...reason].length, max: MAX_REPORT_REASON_CHARS })}
      </span>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy || reason.trim() === '' || tooLong}>
        {busy ? t('report.sending') : t('report.send')}
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
      <h3 id="blocked-heading">{t('blocked.heading')}</h3>
      {blocked.length === 0 ? (
        <p className="muted">{t('blocked.none')}</p>
      ) : (
        <ul className="members" data-testid="blocked">
          {blocked.map((a) => (
            <li key={a} data-blocked={a}>
              <span className="member-name">{a}</span>
              <button type="button" disabled={busy} onClick={() => onUnblock(a)}>
                {t('blocked.unblock')} <span className="visually-hidden">{a}</span>
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
      <h3 id="history-heading">{t('export.heading')}</h3>
      <p>{t('export.intro')}</p>
      <div className="row">
        <button type="button" disabled={busy} onClick={prepare}>
          {ready === undefined ? t('export.download') : t('export.again')}
        </button>
      </div>
      {ready !== undefined && (
        <p className="row downloads">
          <a href={ready.json} download={fileName(ready.account, ready.at, 'json')} type="application/json">
            {t('export.json')}
          </a>
          <a href={ready.html} download={fileName(ready.account, ready.at, 'html')} type="text/html">
            {t('export.html')}
          </a>
        </p>
      )}
    </section>
  );
}
