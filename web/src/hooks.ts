// Data loading hooks and the signed-in session.
import { createContext, useCallback, useContext, useEffect, useRef, useState } from 'react';
import type { Session } from './api.ts';

export interface Resource<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  reload: () => Promise<void>;
  /** Replace the data locally (optimistic updates); the next load overwrites it. */
  setData: (update: (current: T | undefined) => T | undefined) => void;
}

/**
 * Loads `load()` now, again when `deps` change, and every `pollMs` when given (skipped while
 * the tab is hidden; a poll never overlaps the previous one). Keeps the last data on errors.
 */
export function useResource<T>(load: () => Promise<T>, deps: unknown[], pollMs?: number): Resource<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const generation = useRef(0);
  const inFlight = useRef(false);

  const run = useCallback(async (gen: number) => {
    inFlight.current = true;
    try {
      const value = await loadRef.current();
      if (gen !== generation.current) return;
      setDataState(value);
      setError(null);
    } catch (err) {
      if (gen !== generation.current) return;
      setError(err as Error);
    } finally {
      inFlight.current = false;
      if (gen === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    const gen = ++generation.current;
    setLoading(true);
    void run(gen);
    if (!pollMs) return;
    const timer = setInterval(() => {
      if (document.hidden || inFlight.current) return;
      void run(gen);
    }, pollMs);
    return () => clearInterval(timer);
  }, [...deps, pollMs]);

  const reload = useCallback(() => run(generation.current), [run]);
  const setData = useCallback((update: (current: T | undefined) => T | undefined) => setDataState(update), []);
  return { data, error, loading: loading && data === undefined, reload, setData };
}

/** Re-renders every `ms` (for "3 min ago" labels). */
export function useNow(ms = 15000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export interface SessionContextValue {
  session: Session;
  isAdmin: boolean;
  signOut: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside the signed-in console');
  return value;
}

/**
 * The state of a dialog's action (save, delete): busy while it runs, its error kept in place.
 * On success busy stays set: the dialog closes.
 */
export function useAction<E extends Error = Error>() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<E | null>(null);
  const run = async (action: () => Promise<unknown> | unknown) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err as E);
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
