// General Settings > User Management: the Users and Clients tabs (each a link, so each has its own address).
import { Link } from '../router.tsx';
import { PageHeader } from '../components/Page.tsx';
import { ClientsTab } from './ClientsTab.tsx';
import { UsersTab } from './UsersTab.tsx';

export function UserManagement({ tab }: { tab: 'users' | 'clients' }) {
  return (
    <>
      <PageHeader
        breadcrumb="General Settings"
        title="User Management"
        description="People who sign in to this console, and the clients that gateways and sensors use to send traffic."
      />
      <nav className="tabs" aria-label="User Management">
        <Link to="/settings/user-management/users" className={tab === 'users' ? 'tab active' : 'tab'} current="exact">
          Users
        </Link>
        <Link to="/settings/user-management/clients" className={tab === 'clients' ? 'tab active' : 'tab'} current="exact">
          Clients
        </Link>
      </nav>
      <div className="tab-panel">{tab === 'users' ? <UsersTab /> : <ClientsTab />}</div>
    </>
  );
}
