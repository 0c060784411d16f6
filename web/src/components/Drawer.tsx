// A modal side panel from the right, for details. Escape, the close button or a click beside it closes it.
import { useId, type ReactNode } from 'react';
import { Icon } from './Icon.tsx';
import { Layer } from './Layer.tsx';

interface DrawerProps {
  title: ReactNode;
  subtitle?: ReactNode;
  onClose: () => void;
  actions?: ReactNode;
  children: ReactNode;
}

export function Drawer({ title, subtitle, onClose, actions, children }: DrawerProps) {
  const titleId = useId();
  return (
    <Layer onClose={onClose}>
      <div className="backdrop backdrop-drawer" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
        <aside role="dialog" aria-modal="true" aria-labelledby={titleId} className="drawer" tabIndex={-1} data-layer-panel>
          <div className="drawer-header">
            <div className="drawer-titles">
              <h2 id={titleId}>{title}</h2>
              {subtitle && <div className="drawer-subtitle">{subtitle}</div>}
            </div>
            <div className="drawer-actions">
              {actions}
              <button type="button" className="icon-button" aria-label="Close" title="Close (Esc)" onClick={onClose} data-autofocus>
                <Icon name="close" />
              </button>
            </div>
          </div>
          <div className="drawer-body">{children}</div>
        </aside>
      </div>
    </Layer>
  );
}
