// Change the signed-in user's own password.
import { useState } from 'react';
import { api, type ApiError } from './api.ts';
import { Dialog, SaveCancel } from './components/Dialog.tsx';
import { ErrorMessage } from './components/Feedback.tsx';
import { Field } from './components/Field.tsx';

export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState(false);

  const mismatch = touched && confirm !== next ? 'The two new passwords are not the same.' : null;
  const missing = touched && (!current || !next) ? 'Enter your current password and a new one.' : null;

  const submit = async () => {
    setTouched(true);
    if (!current || !next || confirm !== next) return;
    setBusy(true);
    setError(null);
    try {
      await api.changePassword(current, next);
      setDone(true);
    } catch (err) {
      const e = err as ApiError;
      setError(e.status === 400 && /currentPassword/.test(e.message) ? new Error('The current password is not correct.') : e);
    } finally {
      setBusy(false);
    }
  };

  if (done) {
    return (
      <Dialog
        title="Password changed"
        onClose={onClose}
        size="small"
        footer={<button type="button" className="button button-primary" onClick={onClose} data-autofocus>Close</button>}
      >
        <p role="status">Your password has been changed. Use the new password the next time you sign in.</p>
      </Dialog>
    );
  }

  return (
    <Dialog
      title="Change password"
      onClose={onClose}
      onSubmit={submit}
      size="small"
      footer={<SaveCancel busy={busy} onCancel={onClose} />}
    >
      <Field label="Current password">
        <input className="input" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
      </Field>
      <Field label="New password">
        <input className="input" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
      </Field>
      <Field label="Confirm password" error={mismatch}>
        <input className="input" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
      </Field>
      <ErrorMessage error={missing ?? error} />
    </Dialog>
  );
}
