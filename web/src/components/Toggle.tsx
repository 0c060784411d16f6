// An on/off switch: a native checkbox with role="switch" (Space toggles it), labelled by visible text.
import { useId } from 'react';

interface ToggleProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
  disabled?: boolean;
}

export function Toggle({ label, checked, onChange, hint, disabled }: ToggleProps) {
  const id = useId();
  return (
    <div className="toggle-field">
      <div className="toggle-row">
        <input
          id={id}
          type="checkbox"
          role="switch"
          className="switch"
          checked={checked}
          disabled={disabled}
          aria-describedby={hint ? `${id}-hint` : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />
        <label htmlFor={id} className="toggle-label">{label}</label>
        <span className={checked ? 'toggle-state on' : 'toggle-state'} aria-hidden="true">{checked ? 'On' : 'Off'}</span>
      </div>
      {hint && <div id={`${id}-hint`} className="field-hint">{hint}</div>}
    </div>
  );
}
