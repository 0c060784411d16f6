// The sign-in page.
import { useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, type Session } from '../api.ts';
import { Logo } from '../components/Logo.tsx';

export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Sign in · Tapline';
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.signIn(username.trim(), password));
    } catch (err) {
      const e = err as ApiError;
      if (e.status === 401) setError('The username or password is not correct.');
      else if (e.status === 429) setError(`Too many failed sign-ins.${e.retryAfter ? ` Try again in ${e.retryAfter} s.` : ' Try again later.'}`);
      else setError(e.message);
      setBusy(false);
    }
  };

  return (
    <div className="center-page signin-page">
      <main className="signin-card">
        <div className="signin-brand">
          <Logo />
        </div>
        <h1 className="signin-title">Sign in to Tapline</h1>
        <p className="signin-subtitle">API protection console</p>
        {notice && !error && <div className="callout callout-info" role="status">{notice}</div>}
        <form onSubmit={submit} noValidate className="form">
          <div className="field">
            <label htmlFor="signin-username" className="field-label">Username</label>
            <input
              id="signin-username"
              className="input"
              name="username"
              autoComplete="username"
              autoFocus
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              aria-invalid={error ? true : undefined}
            />
          </div>
          <div className="field">
            <label htmlFor="signin-password" className="field-label">Password</label>
            <input
              id="signin-password"
              className="input"
              type="password"
              name="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              aria-invalid={error ? true : undefined}
            />
          </div>
          {error && <div className="callout callout-error" role="alert">{error}</div>}
          <button type="submit" className="button button-primary button-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </main>
    </div>
  );
}
