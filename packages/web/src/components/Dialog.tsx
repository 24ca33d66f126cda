/** A native modal <dialog> with a title and a close button (pure view). */
import { type ReactNode, useEffect, useId, useRef } from 'react';

interface Props {
  title: string;
  children: ReactNode;
  /** Called on Escape or the close button; without it the dialog cannot be dismissed (blocking). */
  onClose?: () => void;
  role?: 'dialog' | 'alertdialog';
  className?: string;
}

/** A modal dialog on the native <dialog> element: focus moves into it and stays there. */
export function Dialog({ title, children, onClose, role = 'dialog', className }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) {
      d.showModal();
      // Start where the person types: the first field, rather than the close button.
      d.querySelector<HTMLElement>('input, textarea')?.focus();
    }
    return () => d?.close();
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
          <button type="button" className="icon" aria-label="Close" onClick={onClose}>
            ✕
          </button>
        )}
      </header>
      {children}
    </dialog>
  );
}
