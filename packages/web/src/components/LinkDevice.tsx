/**
 * "Link a device" (pure view): the password and how far back the history sent to the new device
 * goes; then the one-time code, and the history's progress as it is sent.
 */
import { useId, useState } from 'react';
import { HISTORY_CHOICES, type HistoryChoice } from '../history.js';
import { Rich } from '../i18n/Rich.js';
import { t } from '../i18n/t.js';
import { formatTime } from '../time.js';
import { ErrorText, PasswordField } from './Forms.js';

interface Props {
  me: string;
  code: string | undefined;
  expiresAt: number | undefined;
  /** The history's progress, then what was sent (a sentence); undefined before the code. */
  history: string | undefined;
  busy: boolean;
  error: string | undefined;
  onSubmit: (password: string, history: HistoryChoice) => void;
}

export function LinkDevicePanel({ me, code, expiresAt, history, busy, error, onSubmit }: Props) {
  const [password, setPassword] = useState('');
  const [choice, setChoice] = useState<HistoryChoice>('30d');
  const id = useId();
  if (code !== undefined) {
    return (
      <div className="stack">
        <p>
          <Rich id="link.instructions" values={{ me }} />{' '}
          {expiresAt !== undefined
            ? t('link.worksOnceUntil', { time: formatTime(expiresAt) })
            : t('link.worksOnce')}
        </p>
        <p className="link-code" data-testid="link-code">
          {code}
        </p>
        <p className="muted" role="status" data-testid="history-progress">
          {history}
        </p>
        <ErrorText error={error} />
      </div>
    );
  }
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(password, choice);
      }}
    >
      <p>{t('link.intro')}</p>
      <PasswordField id={id} value={password} onChange={setPassword} />
      <label htmlFor={`${id}-history`}>{t('link.historyLabel')}</label>
      <select
        id={`${id}-history`}
        name="history"
        aria-describedby={`${id}-history-note`}
        value={choice}
        onChange={(e) => setChoice(e.currentTarget.value as HistoryChoice)}
      >
        {HISTORY_CHOICES.map((c) => (
          <option key={c.value} value={c.value}>
            {t(c.label)}
          </option>
        ))}
      </select>
      <p id={`${id}-history-note`} className="muted small">
        {t('link.historyNote')}
      </p>
      <ErrorText error={error} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? t('auth.working') : t('link.getCode')}
      </button>
    </form>
  );
}
