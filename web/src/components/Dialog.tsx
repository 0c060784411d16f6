// A modal dialog: role="dialog", labelled by its title; Escape closes; focus stays inside.
import { useId, type FormEvent, type ReactNode } from 'react';
import { Layer } from './Layer.tsx';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom (right aligned). */
  footer?: ReactNode;
  /** When given, body and footer form a <form> (Enter submits). */
  onSubmit?: () => void;
  size?: 'small' | 'medium' | 'large';
  /** Short text under the title, used as the dialog's description. */
  description?: ReactNode;
  role?: 'dialog' | 'alertdialog';
}

export function Dialog({ title, onClose, children, footer, onSubmit, size = 'medium', description, role = 'dialog' }: DialogProps) {
  const titleId = useId();
  const descId = useId();
  const bodyId = useId();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit?.();
  };
  const inner = (
    <>
      <div className="dialog-body" id={bodyId}>{children}</div>
      {footer && <div className="dialog-footer">{footer}</div>}
    </>
  );
  return (
    <Layer onClose={onClose}>
      <div className="backdrop">
        <div
          role={role}
          aria-modal="true"
          aria-labelledby={titleId}
          aria-describedby={description ? descId : role === 'alertdialog' ? bodyId : undefined}
          className={`dialog dialog-${size}`}
          tabIndex={-1}
          data-layer-panel
        >
          <div className="dialog-header">
            <h2 id={titleId}>{title}</h2>
            {description && <p id={descId} className="dialog-description">{description}</p>}
          </div>
          {onSubmit ? <form onSubmit={submit} noValidate>{inner}</form> : inner}
        </div>
      </div>
    </Layer>
  );
}

/** The usual footer of a form dialog: Cancel, and a submit button that shows it is saving. */
export function SaveCancel({ busy, onCancel, label = 'Save', disabled = false }: { busy: boolean; onCancel: () => void; label?: string; disabled?: boolean }) {
  return (
    <>
      <button type="button" className="button button-secondary" onClick={onCancel}>Cancel</button>
      <button type="submit" className="button button-primary" disabled={busy || disabled}>{busy ? 'Saving…' : label}</button>
    </>
  );
}
