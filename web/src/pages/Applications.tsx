// Applications: named sets of host patterns. Hosts no application claims are Unknown Traffic.
import { useState } from 'react';
import { api, type Application, type ApplicationTraffic } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { Dialog, SaveCancel } from '../components/Dialog.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Field } from '../components/Field.tsx';
import { Icon } from '../components/Icon.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { PageHeader } from '../components/Page.tsx';
import { Table } from '../components/Table.tsx';
import { formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { hostLinesProblem, parseHostLines } from '../hosts.ts';
import { useAction, useNow, useResource, useSession } from '../hooks.ts';
import { Link } from '../router.tsx';
import { SpecsDrawer } from './Specs.tsx';

type Open = { kind: 'create' } | { kind: 'edit'; app: Application } | { kind: 'delete'; app: Application } | { kind: 'specs'; app: Application };

function ApplicationDialog({ app, onClose, onSaved }: { app?: Application; onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState(app?.name ?? '');
  const [hosts, setHosts] = useState((app?.hosts ?? []).join('\n'));
  const [touched, setTouched] = useState(false);
  const { busy, error, run } = useAction();
  const nameError = touched && !name.trim() ? 'Enter a name.' : name.length > 128 ? 'Use at most 128 characters.' : null;
  const hostsError = hostLinesProblem(hosts);

  const submit = async () => {
    setTouched(true);
    if (!name.trim() || name.length > 128 || hostsError) return;
    await run(async () => {
      const body = { name: name.trim(), hosts: parseHostLines(hosts) };
      if (app) await api.updateApplication(app.id, body);
      else await api.createApplication(body);
      onSaved();
    });
  };

  return (
    <Dialog
      title={app ? `Edit application ${app.name}` : 'Add Application'}
      description="Transactions of these hosts belong to this application and leave Unknown Traffic."
      onClose={onClose}
      onSubmit={submit}
      footer={<SaveCancel busy={busy} onCancel={onClose} />}
    >
      <Field label="Name" error={nameError}>
        <input className="input" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} onBlur={() => setTouched(true)} />
      </Field>
      <Field
        label="Host patterns"
        hint={<>One per line: <code>api.shop.example</code>, <code>*.shop.example</code> (any subdomain) or <code>api.shop.example:8443</code> (one port only).</>}
        error={hostsError}
      >
        <textarea className="input mono" rows={6} spellCheck={false} value={hosts} onChange={(e) => setHosts(e.target.value)} />
      </Field>
      <ErrorMessage error={error} />
    </Dialog>
  );
}

export function Applications() {
  const { isAdmin } = useSession();
  const apps = useResource(() => api.applications().then((r) => r.items), []);
  const traffic = useResource(() => api.applicationTraffic(24).then((r) => r.items), [], 30000);
  const specs = useResource(() => api.specs().then((r) => r.items), []);
  const [open, setOpen] = useState<Open | null>(null);
  const now = useNow();
  const close = () => setOpen(null);
  const saved = () => {
    close();
    void apps.reload();
    void traffic.reload();
  };
  const byApp = new Map<string, ApplicationTraffic>((traffic.data ?? []).map((t) => [t.applicationId, t]));
  const specCount = new Map<string, number>();
  for (const s of specs.data ?? []) specCount.set(s.applicationId, (specCount.get(s.applicationId) ?? 0) + 1);
  const list = [...(apps.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <>
      <PageHeader
        title="Applications"
        description="An application is a set of hosts you have onboarded. Tapline groups their traffic, endpoints and findings under it."
        actions={
          isAdmin && (
            <button type="button" className="button button-primary" onClick={() => setOpen({ kind: 'create' })}>
              <Icon name="plus" /> Add Application
            </button>
          )
        }
      />
      {apps.loading ? (
        <Spinner label="Loading applications…" />
      ) : apps.error && !apps.data ? (
        <ErrorMessage error={apps.error} onRetry={apps.reload} />
      ) : list.length === 0 ? (
        <div className="card">
          <EmptyState
            icon="apps"
            title="Nothing onboarded yet"
            action={<Link to="/diagnostics/system" className="button button-secondary">Review Unknown Traffic</Link>}
          >
            <p>
              An application names the hosts of one API product, such as <code>api.shop.example</code> and <code>*.shop.example</code>.
              Until a host belongs to an application, its transactions are listed as <strong>Unknown Traffic</strong> under
              Diagnostics &gt; System Diagnostics.
            </p>
            <p>{isAdmin ? 'Add an application here, or onboard a host straight from Unknown Traffic.' : 'An administrator can add applications or onboard hosts from Unknown Traffic.'}</p>
          </EmptyState>
        </div>
      ) : (
        <div className="card card-flush">
          {traffic.error && <div className="card-notice"><ErrorMessage error={`Call counts are unavailable: ${traffic.error.message}`} /></div>}
          <Table
            caption="Applications"
            rows={list}
            rowKey={(a) => a.id}
            columns={[
              { header: 'Name', cell: (a) => <span className="strong">{a.name}</span>, width: '22%' },
              {
                header: 'Hosts',
                cell: (a) =>
                  a.hosts.length ? (
                    <ul className="chips">
                      {a.hosts.map((h) => <li key={h} className="chip mono">{h}</li>)}
                    </ul>
                  ) : (
                    <span className="muted">No hosts</span>
                  ),
              },
              { header: 'Calls (24 h)', align: 'right', nowrap: true, cell: (a) => (traffic.data ? formatNumber(byApp.get(a.id)?.calls ?? 0) : '—') },
              {
                header: 'Last Seen',
                nowrap: true,
                cell: (a) => {
                  const last = byApp.get(a.id)?.lastSeen;
                  return last ? <time dateTime={last} title={formatDateTime(last)}>{formatRelative(last, now)}</time> : <span className="muted">No traffic</span>;
                },
              },
              {
                header: 'API Specs',
                nowrap: true,
                cell: (a) => {
                  const n = specCount.get(a.id) ?? 0;
                  const label = !specs.data ? 'Specs' : n === 0 ? (isAdmin ? 'Upload spec' : 'No spec') : n === 1 ? '1 version' : `${n} versions`;
                  return (
                    <button type="button" className="button button-small button-subtle" aria-label={`${label}, API specs of ${a.name}`} onClick={() => setOpen({ kind: 'specs', app: a })}>
                      {label}
                    </button>
                  );
                },
              },
              isAdmin && {
                header: '',
                srHeader: 'Actions',
                align: 'right',
                nowrap: true,
                cell: (a) => (
                  <div className="row-actions">
                    <IconAction icon="edit" label={`Edit ${a.name}`} onClick={() => setOpen({ kind: 'edit', app: a })} />
                    <IconAction icon="trash" danger label={`Delete ${a.name}`} onClick={() => setOpen({ kind: 'delete', app: a })} />
                  </div>
                ),
              },
            ]}
          />
        </div>
      )}
      {open?.kind === 'create' && <ApplicationDialog onClose={close} onSaved={saved} />}
      {open?.kind === 'edit' && <ApplicationDialog app={open.app} onClose={close} onSaved={saved} />}
      {open?.kind === 'specs' && <SpecsDrawer app={open.app} canEdit={isAdmin} onClose={close} onChanged={() => void specs.reload()} />}
      {open?.kind === 'delete' && (
        <ConfirmDialog
          title={`Delete application ${open.app.name}?`}
          confirmLabel="Delete"
          danger
          onClose={close}
          onConfirm={async () => {
            await api.deleteApplication(open.app.id);
            saved();
          }}
        >
          Delete the application <strong>{open.app.name}</strong>? Its hosts ({open.app.hosts.length}) go back to Unknown Traffic. Stored
          transactions are kept.
        </ConfirmDialog>
      )}
    </>
  );
}
