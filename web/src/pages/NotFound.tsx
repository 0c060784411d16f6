import { EmptyState } from '../components/Feedback.tsx';
import { Link } from '../router.tsx';

export function NotFound() {
  return (
    <EmptyState icon="info" title="Page not found" action={<Link to="/dashboard" className="button button-secondary">Go to the dashboard</Link>}>
      There is no console page at <code>{location.pathname}</code>.
    </EmptyState>
  );
}
