// The signed-in user's menu (top right): change password, sign out.
import { useEffect, useRef, useState } from 'react';
import { Icon } from './components/Icon.tsx';
import { useSession } from './hooks.ts';
import { ChangePasswordDialog } from './ChangePasswordDialog.tsx';

export function UserMenu() {
  const { session, signOut } = useSession();
  const [open, setOpen] = useState(false);
  const [changing, setChanging] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const { username, role } = session.user;

  // The dialog opens from a menu item that is gone when it closes: give focus back to the menu button.
  const wasChanging = useRef(false);
  useEffect(() => {
    if (wasChanging.current && !changing) trigger.current?.focus();
    wasChanging.current = changing;
  }, [changing]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: Event) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        trigger.current?.focus();
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('focusin', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('focusin', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="user-menu" ref={root}>
      <button
        ref={trigger}
        type="button"
        className="user-menu-trigger"
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls="user-menu-panel"
        aria-label={`Account: ${username}`}
        onClick={() => setOpen(!open)}
      >
        <span className="avatar" aria-hidden="true">{username.slice(0, 1).toUpperCase()}</span>
        <span className="user-menu-name">
          <span>{username}</span>
          <span className="user-menu-role">{role === 'admin' ? 'Administrator' : 'Viewer'}</span>
        </span>
        <Icon name="chevronDown" size={16} />
      </button>
      {open && (
        <div id="user-menu-panel" className="user-menu-panel">
          <div className="user-menu-header">
            Signed in as <strong>{username}</strong>
          </div>
          <button
            type="button"
            className="user-menu-item"
            autoFocus
            onClick={() => {
              setOpen(false);
              setChanging(true);
            }}
          >
            <Icon name="lock" /> Change password
          </button>
          <button type="button" className="user-menu-item" onClick={signOut}>
            <Icon name="logout" /> Sign out
          </button>
        </div>
      )}
      {changing && <ChangePasswordDialog onClose={() => setChanging(false)} />}
    </div>
  );
}
