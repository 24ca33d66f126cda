/** A sign-in screen's card other than the sign-in form itself: its title, fields, error, action and a way back (pure view). */
import { type ReactNode, useId } from 'react';
import { t } from '../i18n/t.js';

interface Props {
  title: string;
  busy: boolean;
  error: string | undefined;
  submitLabel: string;
  busyLabel: string;
  /** The action cannot be undone: its button says so by its colour. */
  danger?: boolean;
  onSubmit: () => void;
  onBack: () => void;
  children: ReactNode;
}

export function AuthCard({
  title,
  busy,
  error,
  submitLabel,
  busyLabel,
  danger,
  onSubmit,
  onBack,
  children,
}: Props) {
  const id = useId();
  return (
    <main className="auth">
      <form
        className="card auth-card"
        aria-labelledby={`${id}-title`}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit();
        }}
      >
        <h1 id={`${id}-title`}>{title}</h1>
        {children}
        {error !== undefined && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className={danger === true ? 'danger' : 'primary'} disabled={busy}>
          {busy ? busyLabel : submitLabel}
        </button>
        <button type="button" className="link" onClick={onBack} disabled={busy}>
          {t('auth.backToSignIn')}
        </button>
      </form>
    </main>
  );
}
