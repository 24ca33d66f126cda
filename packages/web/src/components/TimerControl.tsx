/** A conversation's disappearing-messages timer, as a choice (pure view): off, 5 minutes … 4 weeks. */
import { TIMER_CHOICES } from '@parley/client';
import { useId } from 'react';
import { t } from '../i18n/t.js';
import { formatDuration } from '../time.js';

interface Props {
  seconds: number;
  busy: boolean;
  onChange: (seconds: number) => void;
}

export function TimerControl({ seconds, busy, onChange }: Props) {
  const id = useId();
  const choices: readonly number[] = TIMER_CHOICES.includes(seconds as never)
    ? TIMER_CHOICES
    : [...TIMER_CHOICES, seconds];
  return (
    <div className="stack">
      <label htmlFor={id}>{t('timer.label')}</label>
      <select
        id={id}
        name="timer"
        value={seconds}
        disabled={busy}
        onChange={(e) => onChange(Number(e.target.value))}
      >
        {choices.map((s) => (
          <option key={s} value={s}>
            {s === 0 ? t('timer.off') : t('timer.after', { duration: formatDuration(s) })}
          </option>
        ))}
      </select>
      <p className="muted small">{t('timer.note')}</p>
    </div>
  );
}
