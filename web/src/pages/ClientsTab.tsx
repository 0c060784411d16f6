// User Management > Clients: the credentials captures use; add, edit, rotate the secret, delete.
import { useState } from 'react';
import { api, type Client } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Icon } from '../components/Icon.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { Badge } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatDuration, formatRelative } from '../format.ts';
import { useNow, useResource, useSession } from '../hooks.ts';
import { AddClientDialog, EditClientDialog, SecretDialog } from './clientForms.tsx';

type Open =
  | { kind: 'add' }
  | { kind: 'edit'; client: Client }
  | { kind: 'rotate'; client: Client }
  | { kind: 'delete'; client: Client }
  | { kind: 'secret'; title: string; intro: string; clientId: string; secret: string };

export function clientStatus(c: Client): { label: 'Active' | 'Disabled' | 'Never used'; tone: 'success' | 'neutral' | 'warning' } {
  if (!c.trafficIngestion) return { label: 'Disabled', tone: 'neutral' };
  if (!c.lastTokenAt && !c.lastTransactionAt) return { label: 'Never used', tone: 'warning' };
  return { label: 'Active', tone: 'success' };
}

function When({ iso, now }: { iso: string | null; now: number }) {
  if (!iso) return <span className="muted">Never</span>;
  return <time dateTime={iso} title={formatDateTime(iso)}>{formatRelative(iso, now)}</time>;
}

export function ClientsTab() {
  const { isAdmin } = useSession();
  const clients = useResource(() => api.clients().then((r) => r.items), []);
  const [open, setOpen] = useState<Open | null>(null);
  const now = useNow();
  const close = () => setOpen(null);
  const list = clients.data ?? [];

  return (
    <section aria-labelledby="clients-heading">
      <div className="section-bar">
        <div>
          <h2 id="clients-heading" className="section-title">Clients</h2>
          <p className="section-text">Each gateway policy, sensor or script authenticates with a client to get tokens and send traffic.</p>
        </div>
        {isAdmin && (
          <button type="button" className="button button-primary" onClick={() => setOpen({ kind: 'add' })}>
            <Icon name="plus" /> Add New Client
          </button>
        )}
      </div>

      {clients.loading ? (
        <Spinner label="Loading clients…" />
      ) : clients.error && !clients.data ? (
        <ErrorMessage error={clients.error} onRetry={clients.reload} />
      ) : list.length === 0 ? (
        <EmptyState icon="key" title="Create the first client">
          {isAdmin
            ? 'Add a client with “Add New Client”, then use its id and secret in your gateway policy or sensor (see Integrations).'
            : 'An administrator has not added any client yet.'}
        </EmptyState>
      ) : (
        <>
          <ErrorMessage error={clients.error} onRetry={clients.reload} />
          <Table
            caption="Clients"
            rows={list}
            rowKey={(c) => c.clientId}
            columns={[
              {
                header: 'Name',
                className: 'cell-grow',
                cell: (c) => (
                  <span className="mono strong ellipsis" title={`${c.name} · created ${formatDateTime(c.createdAt)}`}>
                    {c.name}
                  </span>
                ),
              },
              {
                header: 'Traffic Ingestion',
                nowrap: true,
                cell: (c) => <Badge tone={c.trafficIngestion ? 'success' : 'neutral'}>{c.trafficIngestion ? 'On' : 'Off'}</Badge>,
              },
              {
                header: 'Token Lifespan',
                nowrap: true,
                cell: (c) => (
                  <span title={`${c.tokenLifespan} seconds`}>{formatDuration(c.tokenLifespan)}</span>
                ),
              },
              { header: 'Last Token', nowrap: true, cell: (c) => <When iso={c.lastTokenAt} now={now} /> },
              { header: 'Last Transaction', nowrap: true, cell: (c) => <When iso={c.lastTransactionAt} now={now} /> },
              {
                header: 'Status',
                nowrap: true,
                cell: (c) => {
                  const s = clientStatus(c);
                  return <Badge tone={s.tone}>{s.label}</Badge>;
                },
              },
              isAdmin && {
                header: '',
                srHeader: 'Actions',
                align: 'right',
                nowrap: true,
                cell: (c) => (
                  <div className="row-actions">
                    <IconAction icon="edit" label={`Edit ${c.name}`} onClick={() => setOpen({ kind: 'edit', client: c })} />
                    <IconAction icon="key" label={`Rotate secret of ${c.name}`} onClick={() => setOpen({ kind: 'rotate', client: c })} />
                    <IconAction icon="trash" danger label={`Delete ${c.name}`} onClick={() => setOpen({ kind: 'delete', client: c })} />
                  </div>
                ),
              },
            ]}
          />
        </>
      )}

      {open?.kind === 'add' && (
        <AddClientDialog
          onClose={close}
          onCreated={(client, secret) => {
            void clients.reload();
            setOpen({
              kind: 'secret',
              title: 'Client created',
              intro: `The client ${client.name} can now request tokens. Give its id and secret to the gateway or sensor that will send traffic.`,
              clientId: client.clientId,
              secret,
            });
          }}
        />
      )}
      {open?.kind === 'edit' && (
        <EditClientDialog
          client={open.client}
          onClose={close}
          onSaved={(updated) => {
            clients.setData((cur) => cur?.map((c) => (c.clientId === updated.clientId ? updated : c)));
            void clients.reload();
            close();
          }}
        />
      )}
      {open?.kind === 'rotate' && (
        <ConfirmDialog
          title="Rotate secret"
          confirmLabel="Rotate secret"
          danger
          onClose={close}
          onConfirm={async () => {
            const { secret } = await api.rotateSecret(open.client.clientId);
            setOpen({
              kind: 'secret',
              title: `New secret for ${open.client.name}`,
              intro: `The previous secret of ${open.client.name} no longer works. Update every gateway or sensor that uses this client.`,
              clientId: open.client.clientId,
              secret,
            });
          }}
        >
          Rotate the secret of <strong className="mono">{open.client.name}</strong>? The current secret stops working at once, so gateways
          and sensors using it will fail to get tokens until you give them the new one.
        </ConfirmDialog>
      )}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete client ${open.client.name}?`}
          confirmLabel="Delete"
          danger
          onClose={close}
          onConfirm={async () => {
            await api.deleteClient(open.client.clientId);
            clients.setData((cur) => cur?.filter((c) => c.clientId !== open.client.clientId));
            close();
            void clients.reload();
          }}
        >
          Delete the client <strong className="mono">{open.client.name}</strong>? Its tokens stop working within a second and its traffic is
          rejected from then on. This cannot be undone.
        </ConfirmDialog>
      )}
      {open?.kind === 'secret' && <SecretDialog title={open.title} intro={open.intro} clientId={open.clientId} secret={open.secret} onClose={close} />}
    </section>
  );
}
