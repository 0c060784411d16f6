// Adds a host of Unknown Traffic to a new or an existing application.
import { useEffect, useId, useState } from 'react';
import { api, type Application } from '../api.ts';
import { Dialog, SaveCancel } from '../components/Dialog.tsx';
import { ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { Field } from '../components/Field.tsx';
import { HOST_PATTERN, hostMatches } from '../hosts.ts';

/** "api.shop.example:8443" → "api.shop.example" as a starting name. */
const suggestedName = (host: string) => host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');

/** The domain a wildcard example covers: "api.shop.example" → "shop.example"; "shop.example" stays (never "*.example"). */
const isIpAddress = (host: string) => /^[\d.]+$/.test(suggestedName(host)) || suggestedName(host).includes(':');

function parentDomain(host: string): string {
  const labels = suggestedName(host).split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : labels.join('.');
}

export function OnboardHostDialog({ host, onClose, onDone }: { host: string; onClose: () => void; onDone: (pattern: string) => void }) {
  const [apps, setApps] = useState<Application[] | null>(null);
  const [loadError, setLoadError] = useState<Error | null>(null);
  const [mode, setMode] = useState<'new' | 'existing'>('new');
  const [name, setName] = useState(suggestedName(host));
  const [appId, setAppId] = useState('');
  const [pattern, setPattern] = useState(host);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const radioName = useId();

  useEffect(() => {
    api.applications().then(
      (r) => {
        const sorted = [...r.items].sort((a, b) => a.name.localeCompare(b.name));
        setApps(sorted);
        if (sorted[0]) setAppId(sorted[0].id);
      },
      (err: Error) => setLoadError(err),
    );
  }, []);

  const patternError = !pattern.trim()
    ? 'Enter the host or a pattern.'
    : !HOST_PATTERN.test(pattern.trim())
      ? 'Not a host name or pattern (e.g. api.shop.example, *.shop.example, api.shop.example:8443).'
      : !hostMatches(pattern.trim(), host)
        ? `This pattern does not match ${host}.`
        : null;
  const nameError = mode === 'new' && !name.trim() ? 'Enter a name for the new application.' : null;

  const submit = async () => {
    if (patternError || nameError) return;
    const p = pattern.trim();
    setBusy(true);
    setError(null);
    try {
      if (mode === 'new') {
        await api.createApplication({ name: name.trim(), hosts: [p] });
      } else {
        const app = apps?.find((a) => a.id === appId);
        if (!app) throw new Error('Choose an application.');
        if (!app.hosts.some((h) => h.toLowerCase() === p.toLowerCase())) await api.updateApplication(app.id, { hosts: [...app.hosts, p] });
      }
      onDone(p);
    } catch (err) {
      setError(err as Error);
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Onboard host"
      description={<>Add <strong className="mono">{host}</strong> to an application. Its transactions then leave Unknown Traffic.</>}
      onClose={onClose}
      onSubmit={submit}
      footer={<SaveCancel busy={busy} onCancel={onClose} disabled={apps === null} />}
    >
      {apps === null && !loadError ? (
        <Spinner label="Loading applications…" />
      ) : (
        <>
          <ErrorMessage error={loadError} />
          <fieldset className="radio-group">
            <legend className="field-label">Add the host to</legend>
            <label className="radio">
              <input type="radio" name={radioName} checked={mode === 'new'} onChange={() => setMode('new')} />
              New application
            </label>
            <label className={apps?.length ? 'radio' : 'radio disabled'}>
              <input type="radio" name={radioName} checked={mode === 'existing'} disabled={!apps?.length} onChange={() => setMode('existing')} />
              Existing application
              {!apps?.length && <span className="muted"> (none yet)</span>}
            </label>
          </fieldset>
          {mode === 'new' ? (
            <Field label="Application name" error={nameError}>
              <input className="input" value={name} maxLength={128} onChange={(e) => setName(e.target.value)} />
            </Field>
          ) : (
            <Field label="Application">
              <select className="input" value={appId} onChange={(e) => setAppId(e.target.value)}>
                {(apps ?? []).map((a) => (
                  <option key={a.id} value={a.id}>{a.name}</option>
                ))}
              </select>
            </Field>
          )}
          <Field label="Host pattern" error={patternError} hint={isIpAddress(host) ? 'The exact host: an IP address has no wildcard form.' : <>The exact host, or a wildcard such as <code>*.{parentDomain(host)}</code> for every host under {parentDomain(host)}.</>}>
            <input className="input mono" value={pattern} spellCheck={false} onChange={(e) => setPattern(e.target.value)} />
          </Field>
          <ErrorMessage error={error} />
        </>
      )}
    </Dialog>
  );
}
