// API specifications of one application: its OpenAPI versions (newest first), an upload form
// (a .json/.yaml/.yml file read in the browser, or pasted text) that lists every validation
// problem the server found, and deletion of a version. Shown in a side drawer from Applications
// and Inventory.
import { useId, useRef, useState, type ChangeEvent } from 'react';
import { api, ApiError, type Application, type SpecInfo, type SpecProblem } from '../api.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { Drawer } from '../components/Drawer.tsx';
import { EmptyState, ErrorMessage, Spinner } from '../components/Feedback.tsx';
import { IconAction } from '../components/IconAction.tsx';
import { Badge } from '../components/Page.tsx';
import { formatBytes, formatDateTime, formatNumber, formatRelative } from '../format.ts';
import { useNow, useResource } from '../hooks.ts';
import { Link } from '../router.tsx';

/** The server's limit (MAX_SPEC_BYTES in spec-routes.ts). */
const MAX_SPEC_BYTES = 16 * 1024 * 1024;

/** The validation problems of a refused document, each with its JSON pointer. */
export function SpecProblems({ problems }: { problems: SpecProblem[] }) {
  const headingId = useId();
  if (problems.length === 0) return null;
  return (
    <div className="spec-problems">
      <h4 id={headingId}>{problems.length === 1 ? '1 problem' : `${problems.length} problems`} in the document</h4>
      <ul aria-labelledby={headingId}>
        {problems.map((p, i) => (
          <li key={i}>
            <code className="spec-problem-path">{p.path || '/'}</code>
            <span>{p.message}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function UploadForm({ app, onUploaded }: { app: Application; onUploaded: (spec: SpecInfo) => void }) {
  const fileId = useId();
  const textId = useId();
  const hintId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<SpecProblem[]>([]);

  const pick = (e: ChangeEvent<HTMLInputElement>) => {
    setError(null);
    setProblems([]);
    const f = e.target.files?.[0] ?? null;
    if (f && f.size > MAX_SPEC_BYTES) {
      setFile(null);
      e.target.value = '';
      return setError(`${f.name} is ${formatBytes(f.size)}; the largest document Tapline accepts is ${formatBytes(MAX_SPEC_BYTES)}.`);
    }
    setFile(f);
  };

  const submit = async () => {
    setError(null);
    setProblems([]);
    setBusy(true);
    try {
      // Read at upload time, so a file fixed on disk after a refusal is read again.
      let docText = text;
      if (file) {
        try {
          docText = await file.text();
        } catch (err) {
          return setError(`Could not read ${file.name}: ${(err as Error).message}. Choose it again.`);
        }
      }
      if (!docText.trim()) return setError(file ? `${file.name} is empty.` : 'Choose an OpenAPI file, or paste the document, first.');
      const spec = await api.uploadSpec(app.id, docText);
      setFile(null);
      setText('');
      if (fileInput.current) fileInput.current.value = '';
      onUploaded(spec);
    } catch (err) {
      const e = err as ApiError;
      setError(file ? `${file.name}: ${e.message}` : e.message);
      setProblems(e instanceof ApiError ? e.problems : []);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="spec-upload"
      aria-label="Upload a spec version"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="field">
        <label htmlFor={fileId} className="field-label">OpenAPI file</label>
        <input ref={fileInput} id={fileId} type="file" className="input input-file" accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml" aria-describedby={hintId} onChange={pick} />
        <div id={hintId} className="field-hint">
          OpenAPI 2.0 (Swagger), 3.0 or 3.1, as JSON or YAML, up to {formatBytes(MAX_SPEC_BYTES)}.
          {file && <> Selected: <span className="mono">{file.name}</span> ({formatBytes(file.size)}).</>}
        </div>
      </div>
      <div className="field">
        <label htmlFor={textId} className="field-label">
          Or paste the document<span className="field-optional"> (used when no file is chosen)</span>
        </label>
        <textarea
          id={textId}
          className="input mono"
          rows={5}
          spellCheck={false}
          placeholder={'openapi: 3.1.0\ninfo: { title: Shop, version: "2.4" }\npaths: …'}
          value={text}
          disabled={file !== null}
          onChange={(e) => setText(e.target.value)}
        />
      </div>
      {error && (
        <div className="callout callout-error spec-error" role="alert">
          <div>
            <p className="strong">{error}</p>
            <SpecProblems problems={problems} />
          </div>
        </div>
      )}
      <div className="spec-upload-actions">
        <button type="submit" className="button button-primary" disabled={busy}>{busy ? 'Uploading…' : 'Upload spec'}</button>
        {file && (
          <button
            type="button"
            className="button button-subtle"
            onClick={() => {
              setFile(null);
              if (fileInput.current) fileInput.current.value = '';
            }}
          >
            Clear file
          </button>
        )}
      </div>
    </form>
  );
}

export function SpecsPanel({ app, canEdit, onChanged }: { app: Application; canEdit: boolean; onChanged?: () => void }) {
  const specs = useResource(() => api.specs(app.id).then((r) => r.items), [app.id]);
  const [notice, setNotice] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<SpecInfo | null>(null);
  const now = useNow();
  const list = specs.data ?? [];

  const uploaded = (spec: SpecInfo) => {
    setNotice(`Uploaded ${spec.title} ${spec.version} (OpenAPI ${spec.openapiVersion}, ${spec.operations} ${spec.operations === 1 ? 'operation' : 'operations'}). Inventory states now follow it.`);
    void specs.reload();
    onChanged?.();
  };

  return (
    <>
      <section className="drawer-section" aria-labelledby="spec-versions">
        <h3 id="spec-versions">Versions</h3>
        {notice && <div className="callout callout-success spec-notice" role="status">{notice}</div>}
        {specs.loading ? (
          <Spinner label="Loading specs…" />
        ) : specs.error && !specs.data ? (
          <ErrorMessage error={specs.error} onRetry={specs.reload} />
        ) : list.length === 0 ? (
          <EmptyState icon="inbox" title="No spec uploaded">
            Until a spec is uploaded, every endpoint of {app.name} is <strong>unknown</strong> in the inventory. Upload the OpenAPI document
            of this API to see which endpoints are documented, shadow (not in the spec), zombie (deprecated or removed) or orphan (never called).
          </EmptyState>
        ) : (
          <table className="table table-compact spec-table">
            <caption className="sr-only">Spec versions</caption>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Version</th>
                <th scope="col">OpenAPI</th>
                <th scope="col" style={{ textAlign: 'right' }}>Operations</th>
                <th scope="col">Uploaded</th>
                {canEdit && <th scope="col"><span className="sr-only">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {list.map((s, i) => (
                <tr key={s.id}>
                  <td>
                    <span className="strong">{s.title}</span> {i === 0 && <Badge tone="success" title="States are decided from the newest version">newest</Badge>}
                  </td>
                  <td className="mono">{s.version}</td>
                  <td className="mono">{s.openapiVersion}</td>
                  <td style={{ textAlign: 'right' }}>{formatNumber(s.operations)}</td>
                  <td className="nowrap"><time dateTime={s.uploadedAt} title={formatDateTime(s.uploadedAt)}>{formatRelative(s.uploadedAt, now)}</time></td>
                  {canEdit && (
                    <td style={{ textAlign: 'right' }}>
                      <IconAction icon="trash" danger label={`Delete ${s.title} ${s.version}`} onClick={() => setDeleting(s)} />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {list.length > 0 && (
          <p className="muted spec-explain">
            The newest version decides the states; endpoints found only in an older version are <strong>zombie</strong>.{' '}
            <Link to={`/inventory?applicationId=${encodeURIComponent(app.id)}`}>See the inventory of {app.name}</Link>
          </p>
        )}
      </section>
      {canEdit ? (
        <section className="drawer-section" aria-labelledby="spec-upload">
          <h3 id="spec-upload">Upload a version</h3>
          <UploadForm app={app} onUploaded={uploaded} />
        </section>
      ) : (
        <p className="muted">An administrator can upload and delete spec versions.</p>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.title} ${deleting.version}?`}
          confirmLabel="Delete"
          danger
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await api.deleteSpec(deleting.id);
            setDeleting(null);
            setNotice(`Deleted ${deleting.title} ${deleting.version}.`);
            void specs.reload();
            onChanged?.();
          }}
        >
          Delete version <strong>{deleting.version}</strong> of <strong>{deleting.title}</strong> (uploaded {formatDateTime(deleting.uploadedAt)})? Inventory
          states are decided again from the versions that remain.
        </ConfirmDialog>
      )}
    </>
  );
}

export function SpecsDrawer({ app, canEdit, onClose, onChanged }: { app: Application; canEdit: boolean; onClose: () => void; onChanged?: () => void }) {
  return (
    <Drawer title={`API specs · ${app.name}`} subtitle={app.hosts.length ? <span className="mono">{app.hosts.join(', ')}</span> : 'No hosts'} onClose={onClose}>
      <SpecsPanel app={app} canEdit={canEdit} onChanged={onChanged} />
    </Drawer>
  );
}
