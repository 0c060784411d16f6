// An icon button that copies text to the clipboard and says "Copied" next to itself.
import { useEffect, useState } from 'react';
import { Icon } from './Icon.tsx';

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-HTTP installations have no async clipboard: fall back to a hidden textarea.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

interface CopyButtonProps {
  text: string;
  /** The button's accessible name, e.g. "Copy secret". */
  label: string;
  disabled?: boolean;
}

export function CopyButton({ text, label, disabled }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2500);
    return () => clearTimeout(t);
  }, [state]);
  const copy = () => {
    copyText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <span className="copy">
      <button type="button" className="icon-button" aria-label={label} title={label} onClick={copy} disabled={disabled}>
        <Icon name={state === 'copied' ? 'check' : 'copy'} />
      </button>
      <span role="status" className={`copy-status copy-${state}`}>
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </span>
  );
}
