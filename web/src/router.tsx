// A small history router: the server answers index.html for every non-API path, so the console
// uses real paths (/dashboard, /settings/user-management/clients, ...).
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

const CHANGE = 'tapline:navigate';

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) return;
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new Event(CHANGE));
}

/**
 * Mirrors a page's filters in the query string without a navigation (so a reload or a shared link
 * shows the same view): empty strings, zeros and values equal to their default are left out.
 */
export function replaceQuery(values: object, defaults: Record<string, string | number> = {}): void {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== '' && v !== 0 && v !== defaults[k]) p.set(k, String(v));
  const search = p.toString() ? `?${p}` : '';
  if (search !== location.search) history.replaceState(null, '', `${location.pathname}${search}`);
}

export function usePath(): string {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(CHANGE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return path;
}

interface LinkProps extends AnchorHTMLAttributes<HTMLAnchorElement> {
  to: string;
  /** Mark the link as the current page when the path starts with `to` (or equals it, with exact). */
  current?: 'prefix' | 'exact';
}

export function Link({ to, current, onClick, ...rest }: LinkProps) {
  const path = usePath();
  const isCurrent = current === 'exact' ? path === to : current === 'prefix' ? path === to || path.startsWith(`${to}/`) : false;
  const handle = (e: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={handle} aria-current={isCurrent ? 'page' : undefined} {...rest} />;
}
