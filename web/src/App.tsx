// The console: asks the server for the session, shows the sign-in page or the signed-in layout.
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, setUnauthorizedHandler, type Session } from './api.ts';
import { ErrorMessage, Spinner } from './components/Feedback.tsx';
import { SessionContext } from './hooks.ts';
import { Layout } from './Layout.tsx';
import { SignIn } from './pages/SignIn.tsx';

type State =
  | { status: 'loading' }
  | { status: 'error'; error: Error }
  | { status: 'signed-out'; notice?: string }
  | { status: 'signed-in'; session: Session };

export function App() {
  const [state, setState] = useState<State>({ status: 'loading' });

  const check = useCallback(() => {
    setState({ status: 'loading' });
    api.currentSession().then(
      (session) => setState({ status: 'signed-in', session }),
      (err: unknown) => {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) setState({ status: 'signed-out' });
        else setState({ status: 'error', error: err as Error });
      },
    );
  }, []);

  useEffect(() => {
    check();
    setUnauthorizedHandler(() => setState({ status: 'signed-out', notice: 'Your session has ended. Sign in again to continue.' }));
    return () => setUnauthorizedHandler(null);
  }, [check]);

  const signOut = useCallback(() => {
    api.signOut().catch(() => undefined).finally(() => setState({ status: 'signed-out', notice: 'You have signed out.' }));
  }, []);

  switch (state.status) {
    case 'loading':
      return (
        <div className="center-page">
          <Spinner label="Loading Tapline…" />
        </div>
      );
    case 'error':
      return (
        <div className="center-page">
          <div className="signin-card">
            <h1 className="signin-title">Tapline is not reachable</h1>
            <ErrorMessage error={state.error} onRetry={check} />
          </div>
        </div>
      );
    case 'signed-out':
      return <SignIn notice={state.notice} onSignedIn={(session) => setState({ status: 'signed-in', session })} />;
    case 'signed-in':
      return (
        <SessionContext.Provider value={{ session: state.session, isAdmin: state.session.user.role === 'admin', signOut }}>
          <Layout />
        </SessionContext.Provider>
      );
  }
}
