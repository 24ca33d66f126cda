/** A native modal <dialog> with a title and a close button (pure view). */
import { type ReactNode, useEffect, useId, useRef } from 'react';
import { t } from '../i18n/t.js';

interface Props {
  title: string;
  children: ReactNode;
  /** Called on Escape or the close button; without it the dialog cannot be dismissed (blocking). */
  onClose?: () => void;
  role?: 'dialog' | 'alertdialog';
  className?: string;
}

/** A modal dialog on the native <dialog> element: focus moves into it, stays there, and goes back when it closes. */
export function Dialog({ title, children, onClose, role = 'dialog', className }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    // Where focus was (the button that opened the dialog, typically): it goes back there on closing.
    const before = document.activeElement;
    if (d !== null && !d.open) {
      d.showModal();
      // Start where the person types: the first field, rather than the close button.
      d.querySelector<HTMLElement>('input, textarea')?.focus();
    }
    return () => {
      d?.close();
      if (before instanceof HTMLElement && before.isConnected && d?.contains(document.activeElement) !== true)
        before.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className={`card dialog ${className ?? ''}`}
      role={role}
      aria-labelledby={`${id}-title`}
      onCancel={(e) => {
        e.preventDefault();
        onClose?.();
      }}
    >
      <header className="dialog-header">
        <h2 id={`${id}-title`}>{title}</h2>
        {onClose !== undefined && (
          <button type="button" className="icon" aria-label={t('dialog.close')} onClick={onClose}>
            ✕
          </button>
        )}
      </header>
      {children}
    </dialog>
  );
}
