import { Badge } from '../components/Page.tsx';

export function StatusBadge({ status }: { status: number | null }) {
  if (status === null) return <Badge title="The upstream never answered">none</Badge>;
  const tone = status >= 500 ? 'danger' : status >= 400 ? 'warning' : status >= 300 ? 'info' : 'success';
  return <Badge tone={tone}>{status}</Badge>;
}
