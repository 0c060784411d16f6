// Asks before a destructive or irreversible action; shows the API error in place if it fails.
import type { ReactNode } from 'react';
import { Dialog } from './Dialog.tsx';
import { ErrorMessage } from './Feedback.tsx';
import { useAction } from '../hooks.ts';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export function ConfirmDialog({ title, children, confirmLabel, danger, onConfirm, onClose }: ConfirmDialogProps) {
  const { busy, error, run } = useAction();
  const confirm = () => run(onConfirm);
  return (
    <Dialog
      title={title}
      onClose={onClose}
      size="small"
      role="alertdialog"
      footer={
        <>
          <button type="button" className="button button-secondary" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className={danger ? 'button button-danger' : 'button button-primary'} onClick={confirm} disabled={busy}>
            {busy ? `${confirmLabel}…` : confirmLabel}
          </button>
        </>
      }
    >
      <div className="confirm-text">{children}</div>
      <ErrorMessage error={error} />
    </Dialog>
  );
}
