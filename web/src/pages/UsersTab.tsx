// User Management > Users: who can sign in to the console. Admins add, change role, reset password, delete.
import { useState, type ReactNode } from 'react';
import { api, type Role, type UserRow } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { Dialog, SaveCancel } from '../components/Dialog.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { Badge } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatRelative } from '../format.ts';
import { useAction, useNow, useResource, useSession } from '../hooks.ts';

type Open = { kind: 'add' } | { kind: 'role'; user: UserRow } | { kind: 'password'; user: UserRow } | { kind: 'delete'; user: UserRow };

function RoleSelect({ value, onChange }: { value: Role; onChange: (r: Role) => void }) {
  return (
    <select className="input" value={value} onChange={(e) => onChange(e.target.value as Role)}>
      <option value="admin">Admin</option>
      <option value="viewer">Viewer</option>
    </select>
  );
}

const roleHint = 'Admins can change settings, clients and users. Viewers can see everything but change nothing.';

/** A small form dialog with Cancel / Save and the API error in place. */
function FormDialog({ title, onClose, save, children, saveLabel = 'Save' }: { title: string; onClose: () => void; save: () => Promise<void> | void; children: ReactNode; saveLabel?: string }) {
  const { busy, error, run } = useAction();
  const submit = () => run(save);
  return (
    <Dialog
      title={title}
      onClose={onClose}
      onSubmit={submit}
      size="small"
      footer={<SaveCancel busy={busy} onCancel={onClose} label={saveLabel} />}
    >
      {children}
      <ErrorMessage error={error} />
    </Dialog>
  );
}

function AddUserDialog({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [touched, setTouched] = useState(false);
  const usernameError = touched && !username.trim() ? 'Enter a username.' : null;
  const passwordError = touched && !password ? 'Enter a password for the new user.' : null;
  return (
    <FormDialog
      title="Add User"
      onClose={onClose}
      save={async () => {
        setTouched(true);
        if (!username.trim() || !password) throw new Error('Fill in the username and the password.');
        await api.createUser({ username: username.trim(), password, role });
        onAdded();
      }}
    >
      <Field label="Username" error={usernameError}>
        <input className="input" autoComplete="off" spellCheck={false} value={username} onChange={(e) => setUsername(e.target.value)} />
      </Field>
      <Field label="Password" error={passwordError} hint="Tell the user to change it after the first sign-in (user menu > Change password).">
        <input className="input" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
      </Field>
      <Field label="Role" hint={roleHint}>
        <RoleSelect value={role} onChange={setRole} />
      </Field>
    </FormDialog>
  );
}

export function UsersTab() {
  const { isAdmin, session } = useSession();
  const users = useResource(() => api.users().then((r) => r.items), []);
  const [open, setOpen] = useState<Open | null>(null);
  const [role, setRole] = useState<Role>('viewer');
  const [password, setPassword] = useState('');
  const now = useNow();
  const close = () => setOpen(null);
  const done = () => {
    close();
    void users.reload();
  };
  const me = session.user.username;

  return (
    <section aria-labelledby="users-heading">
      <div className="section-bar">
        <div>
          <h2 id="users-heading" className="section-title">Users</h2>
          <p className="section-text">People who can sign in to this console. {roleHint}</p>
        </div>
        {isAdmin && (
          <button type="button" className="button button-primary" onClick={() => setOpen({ kind: 'add' })}>
            <Icon name="plus" /> Add User
          </button>
        )}
      </div>
      {users.loading ? (
        <Spinner label="Loading users…" />
      ) : users.error && !users.data ? (
        <ErrorMessage error={users.error} onRetry={users.reload} />
      ) : (users.data ?? []).length === 0 ? (
        <EmptyState icon="users" title="No users">Add a user so that people can sign in.</EmptyState>
      ) : (
        <Table
          caption="Users"
          rows={users.data ?? []}
          rowKey={(u) => u.username}
          columns={[
            {
              header: 'Username',
              nowrap: true,
              cell: (u) => (
                <span className="strong">
                  {u.username}
                  {u.username === me && <span className="muted"> (you)</span>}
                </span>
              ),
            },
            { header: 'Role', nowrap: true, cell: (u) => <Badge tone={u.role === 'admin' ? 'info' : 'neutral'}>{u.role === 'admin' ? 'Admin' : 'Viewer'}</Badge> },
            { header: 'Created', nowrap: true, cell: (u) => <time dateTime={u.createdAt} title={formatDateTime(u.createdAt)}>{formatRelative(u.createdAt, now)}</time> },
            {
              header: 'Last Sign-in',
              nowrap: true,
              cell: (u) => (u.lastLoginAt ? <time dateTime={u.lastLoginAt} title={formatDateTime(u.lastLoginAt)}>{formatRelative(u.lastLoginAt, now)}</time> : <span className="muted">Never</span>),
            },
            isAdmin && {
              header: '',
              srHeader: 'Actions',
              align: 'right',
              nowrap: true,
              cell: (u) => (
                <div className="row-actions">
                  <IconAction icon="users" label={`Change role of ${u.username}`} onClick={() => { setRole(u.role); setOpen({ kind: 'role', user: u }); }} />
                  <IconAction icon="lock" label={`Reset password of ${u.username}`} onClick={() => { setPassword(''); setOpen({ kind: 'password', user: u }); }} />
                  {u.username !== me && <IconAction icon="trash" danger label={`Delete ${u.username}`} onClick={() => setOpen({ kind: 'delete', user: u })} />}
                </div>
              ),
            },
          ]}
        />
      )}

      {open?.kind === 'add' && <AddUserDialog onClose={close} onAdded={done} />}
      {open?.kind === 'role' && (
        <FormDialog title={`Change role of ${open.user.username}`} onClose={close} save={async () => { await api.updateUser(open.user.username, { role }); done(); }}>
          <Field label="Role" hint={roleHint}>
            <RoleSelect value={role} onChange={setRole} />
          </Field>
        </FormDialog>
      )}
      {open?.kind === 'password' && (
        <FormDialog
          title={`Reset password of ${open.user.username}`}
          onClose={close}
          save={async () => {
            if (!password) throw new Error('Enter the new password.');
            await api.updateUser(open.user.username, { password });
            done();
          }}
        >
          <Field label="New password" hint="Give it to the user over a safe channel; they can change it from the user menu.">
            <input className="input" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </Field>
        </FormDialog>
      )}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete user ${open.user.username}?`}
          confirmLabel="Delete"
          danger
          onClose={close}
          onConfirm={async () => {
            await api.deleteUser(open.user.username);
            done();
          }}
        >
          Delete the user <strong>{open.user.username}</strong>? They will no longer be able to sign in. This cannot be undone.
        </ConfirmDialog>
      )}
    </section>
  );
}
