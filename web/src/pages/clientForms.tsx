// Dialogs of the Clients tab: add, edit, and the one-time display of a secret.
import { useState } from 'react';
import { api, ApiError, type Client } from '../api.ts';
import { Dialog, SaveCancel } from '../components/Dialog.tsx';
import { ErrorMessage } from '../components/Feedback.tsx';
import { Field } from '../components/Field.tsx';
import { CopyButton } from '../components/CopyButton.tsx';
import { SecretField } from '../components/SecretField.tsx';
import { Toggle } from '../components/Toggle.tsx';
import { useAction } from '../hooks.ts';

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
export const MIN_LIFESPAN = 60;
export const MAX_LIFESPAN = 86400;

export function clientNameProblem(name: string): string | null {
  if (name.length === 0) return 'Enter a name for the client.';
  if (name.length > 64) return `The name is ${name.length} characters long; use at most 64.`;
  if (!NAME.test(name)) return 'Use only letters, digits, ".", "_" and "-" (no spaces).';
  return null;
}

export function lifespanProblem(text: string): string | null {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n)) return 'Enter a whole number of seconds.';
  if (n < MIN_LIFESPAN || n > MAX_LIFESPAN) return `Use ${MIN_LIFESPAN} to ${MAX_LIFESPAN} seconds (1 minute to 1 day).`;
  return null;
}

const lifespanHint = 'Seconds a token stays valid (60 to 86400). The Azure APIM policy reuses a token this long.';

export function AddClientDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (client: Client, secret: string) => void }) {
  const [name, setName] = useState('');
  const [ingestion, setIngestion] = useState(true);
  const [lifespan, setLifespan] = useState('1800');
  const [touched, setTouched] = useState(false);
  const { busy, error, setError, run } = useAction<ApiError>();

  const nameError = touched || name.length > 0 ? clientNameProblem(name) : null;
  const conflict = error?.status === 409 ? error.message : null;
  const lifespanError = lifespanProblem(lifespan);

  const submit = async () => {
    setTouched(true);
    if (clientNameProblem(name) || lifespanError) return;
    await run(async () => {
      const { secret, ...client } = await api.createClient({ name, trafficIngestion: ingestion, tokenLifespan: Number(lifespan) });
      onCreated(client, secret);
    });
  };

  return (
    <Dialog
      title="Add New Client"
      description="A client is the credential a gateway, sensor or script uses to get tokens and send API traffic to Tapline."
      onClose={onClose}
      onSubmit={submit}
      footer={<SaveCancel busy={busy} onCancel={onClose} />}
    >
      <Field label="Client Name" hint="1 to 64 letters, digits, “.”, “_” or “-”. It is also the client id." error={nameError ?? conflict}>
        <input
          className="input mono"
          value={name}
          maxLength={100}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => {
            setName(e.target.value);
            if (error?.status === 409) setError(null);
          }}
          onBlur={() => setTouched(true)}
        />
      </Field>
      <Toggle label="Traffic Ingestion" checked={ingestion} onChange={setIngestion} hint="When off, the client can neither get tokens nor send traffic." />
      <Field label="Token Lifespan" hint={lifespanHint} error={lifespanError}>
        <input className="input input-narrow" type="number" min={MIN_LIFESPAN} max={MAX_LIFESPAN} step={1} value={lifespan} onChange={(e) => setLifespan(e.target.value)} />
      </Field>
      {error && error.status !== 409 && <ErrorMessage error={error} />}
    </Dialog>
  );
}

export function EditClientDialog({ client, onClose, onSaved }: { client: Client; onClose: () => void; onSaved: (c: Client) => void }) {
  const [ingestion, setIngestion] = useState(client.trafficIngestion);
  const [lifespan, setLifespan] = useState(String(client.tokenLifespan));
  const { busy, error, run } = useAction();
  const lifespanError = lifespanProblem(lifespan);

  const submit = async () => {
    if (lifespanError) return;
    const patch: { trafficIngestion?: boolean; tokenLifespan?: number } = {};
    if (ingestion !== client.trafficIngestion) patch.trafficIngestion = ingestion;
    if (Number(lifespan) !== client.tokenLifespan) patch.tokenLifespan = Number(lifespan);
    if (Object.keys(patch).length === 0) return onClose();
    await run(async () => onSaved(await api.updateClient(client.clientId, patch)));
  };

  return (
    <Dialog
      title={`Edit client ${client.name}`}
      onClose={onClose}
      onSubmit={submit}
      footer={<SaveCancel busy={busy} onCancel={onClose} />}
    >
      <Toggle
        label="Traffic Ingestion"
        checked={ingestion}
        onChange={setIngestion}
        hint="Turning it off stops token issuance and rejects this client's traffic within a second."
      />
      <Field label="Token Lifespan" hint={lifespanHint} error={lifespanError}>
        <input className="input input-narrow" type="number" min={MIN_LIFESPAN} max={MAX_LIFESPAN} step={1} value={lifespan} onChange={(e) => setLifespan(e.target.value)} />
      </Field>
      <ErrorMessage error={error} />
    </Dialog>
  );
}

export function SecretDialog({ title, clientId, secret, intro, onClose }: { title: string; clientId: string; secret: string; intro: string; onClose: () => void }) {
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={<button type="button" className="button button-primary" onClick={onClose}>Close</button>}
    >
      <p className="dialog-intro">{intro}</p>
      <div className="secret">
        <div className="field-label" aria-hidden="true">Client id</div>
        <div className="secret-row">
          <input className="input mono secret-value" readOnly value={clientId} aria-label="Client id" spellCheck={false} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={clientId} label="Copy client id" />
        </div>
      </div>
      <SecretField secret={secret} />
    </Dialog>
  );
}
