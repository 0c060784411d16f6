// A compact row action: an icon button whose accessible name (and tooltip) says what it does.
import { Icon, type IconName } from './Icon.tsx';

export function IconAction({ icon, label, onClick, danger }: { icon: IconName; label: string; onClick: () => void; danger?: boolean }) {
  return (
    <button type="button" className={danger ? 'icon-button icon-button-ghost danger' : 'icon-button icon-button-ghost'} aria-label={label} title={label} onClick={onClick}>
      <Icon name={icon} size={17} />
    </button>
  );
}
