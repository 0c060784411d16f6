// A secret shown once: masked by default, with Show/Hide and Copy buttons, and the warning that it will not be shown again.
import { useState } from 'react';
import { CopyButton } from './CopyButton.tsx';
import { Icon } from './Icon.tsx';

export function SecretField({ secret, label = 'Client secret' }: { secret: string; label?: string }) {
  const [shown, setShown] = useState(false);
  return (
    <div className="secret">
      <div className="field-label" aria-hidden="true">{label}</div>
      <div className="secret-row">
        <input
          className="input mono secret-value"
          type={shown ? 'text' : 'password'}
          readOnly
          value={secret}
          aria-label={label}
          spellCheck={false}
          autoComplete="off"
          onFocus={(e) => e.currentTarget.select()}
        />
        <button
          type="button"
          className="icon-button"
          aria-label={shown ? 'Hide secret' : 'Show secret'}
          title={shown ? 'Hide secret' : 'Show secret'}
          onClick={() => setShown(!shown)}
        >
          <Icon name={shown ? 'eyeOff' : 'eye'} />
        </button>
        <CopyButton text={secret} label="Copy secret" />
      </div>
      <div className="callout callout-warning" role="note">
        <Icon name="alert" />
        <span>Copy this secret now and store it safely. It will not be shown again: if it is lost, rotate the secret to get a new one.</span>
      </div>
    </div>
  );
}
