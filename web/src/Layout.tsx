// The signed-in frame: left navigation, top bar with the user menu, and the current page.
import { useEffect, type ReactNode } from 'react';
import { Icon, type IconName } from './components/Icon.tsx';
import { Logo } from './components/Logo.tsx';
import { Link, navigate, usePath } from './router.tsx';
import { UserMenu } from './UserMenu.tsx';
import { Dashboard } from './pages/Dashboard.tsx';
import { Applications } from './pages/Applications.tsx';
import { Inventory } from './pages/Inventory.tsx';
import { EndpointPage } from './pages/EndpointPage.tsx';
import { Findings } from './pages/Findings.tsx';
import { FindingPage } from './pages/FindingPage.tsx';
import { SensitiveData } from './pages/SensitiveData.tsx';
import { Actors } from './pages/Actors.tsx';
import { ActorPage } from './pages/ActorPage.tsx';
import { SystemDiagnostics } from './pages/SystemDiagnostics.tsx';
import { Integrations } from './pages/Integrations.tsx';
import { UserManagement } from './pages/UserManagement.tsx';
import { NotFound } from './pages/NotFound.tsx';

interface Route {
  title: string;
  render: () => ReactNode;
}

const REDIRECTS: Record<string, string> = {
  '/': '/dashboard',
  '/index.html': '/dashboard',
  '/diagnostics': '/diagnostics/system',
  '/settings': '/settings/user-management/users',
  '/settings/user-management': '/settings/user-management/users',
};

function routeOf(path: string): Route {
  switch (path) {
    case '/dashboard':
      return { title: 'Dashboard', render: () => <Dashboard /> };
    case '/applications':
      return { title: 'Applications', render: () => <Applications /> };
    case '/inventory':
      return { title: 'Inventory', render: () => <Inventory /> };
    case '/findings':
      return { title: 'Findings', render: () => <Findings /> };
    case '/sensitive-data':
      return { title: 'Sensitive Data', render: () => <SensitiveData tab="flows" /> };
    case '/sensitive-data/custom-types':
      return { title: 'Custom Types · Sensitive Data', render: () => <SensitiveData tab="custom" /> };
    case '/actors':
      return { title: 'Actors', render: () => <Actors /> };
    case '/diagnostics/system':
      return { title: 'System Diagnostics', render: () => <SystemDiagnostics /> };
    case '/integrations':
      return { title: 'Integrations', render: () => <Integrations /> };
    case '/settings/user-management/users':
      return { title: 'Users · User Management', render: () => <UserManagement tab="users" /> };
    case '/settings/user-management/clients':
      return { title: 'Clients · User Management', render: () => <UserManagement tab="clients" /> };
    default:
      if (path.startsWith('/inventory/') && path.length > 11) {
        let id = path.slice(11);
        try {
          id = decodeURIComponent(id);
        } catch {
          /* a malformed escape: look the raw text up (the page says it is not found) */
        }
        return { title: 'Endpoint · Inventory', render: () => <EndpointPage key={id} id={id} /> };
      }
      if (path.startsWith('/findings/') && path.length > 10) {
        let id = path.slice(10);
        try {
          id = decodeURIComponent(id);
        } catch {
          /* a malformed escape: look the raw text up (the page says it is not found) */
        }
        return { title: 'Finding · Findings', render: () => <FindingPage key={id} id={id} /> };
      }
      if (path.startsWith('/actors/') && path.length > 8) {
        let id = path.slice(8);
        try {
          id = decodeURIComponent(id);
        } catch {
          /* a malformed escape: look the raw text up (the page says it is not found) */
        }
        return { title: 'Actor · Actors', render: () => <ActorPage key={id} id={id} /> };
      }
      return { title: 'Page not found', render: () => <NotFound /> };
  }
}

function NavLink({ to, icon, children, prefix }: { to: string; icon?: IconName; children: string; prefix?: string }) {
  const path = usePath();
  const active = path === to || path.startsWith(`${prefix ?? to}/`) || path === prefix;
  return (
    <Link to={to} className={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
      {icon ? <Icon name={icon} /> : <span className="nav-indent" aria-hidden="true" />}
      <span>{children}</span>
    </Link>
  );
}

function NavGroup({ icon, label, children }: { icon: IconName; label: string; children: ReactNode }) {
  return (
    <li className="nav-group">
      <div className="nav-group-label" id={`nav-${label.replace(/\s+/g, '-').toLowerCase()}`}>
        <Icon name={icon} />
        <span>{label}</span>
      </div>
      <ul aria-labelledby={`nav-${label.replace(/\s+/g, '-').toLowerCase()}`}>{children}</ul>
    </li>
  );
}

export function Layout() {
  const path = usePath();
  const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
  const redirect = REDIRECTS[clean] ?? (clean !== path ? clean : undefined);
  useEffect(() => {
    if (redirect) navigate(redirect, { replace: true });
  }, [redirect]);
  const route = routeOf(path);
  useEffect(() => {
    document.title = `${route.title} · Tapline`;
    window.scrollTo(0, 0);
  }, [route.title]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">Skip to content</a>
      <aside className="sidebar">
        <div className="sidebar-brand">
          <Logo />
        </div>
        <nav aria-label="Main">
          <ul className="nav">
            <li><NavLink to="/dashboard" icon="dashboard">Dashboard</NavLink></li>
            <li><NavLink to="/applications" icon="apps">Applications</NavLink></li>
            <li><NavLink to="/inventory" icon="globe">Inventory</NavLink></li>
            <li><NavLink to="/findings" icon="alert">Findings</NavLink></li>
            <li><NavLink to="/sensitive-data" icon="lock">Sensitive Data</NavLink></li>
            <li><NavLink to="/actors" icon="users">Actors</NavLink></li>
            <NavGroup icon="pulse" label="Diagnostics">
              <li><NavLink to="/diagnostics/system">System Diagnostics</NavLink></li>
            </NavGroup>
            <li><NavLink to="/integrations" icon="plug">Integrations</NavLink></li>
            <NavGroup icon="settings" label="General Settings">
              <li><NavLink to="/settings/user-management/users" prefix="/settings/user-management">User Management</NavLink></li>
            </NavGroup>
          </ul>
        </nav>
        <div className="sidebar-footer">Self-hosted API protection</div>
      </aside>
      <div className="main-col">
        <header className="topbar">
          <div className="topbar-spacer" />
          <UserMenu />
        </header>
        <main id="main" className="content" tabIndex={-1}>
          {redirect ? null : route.render()}
        </main>
      </div>
    </div>
  );
}
