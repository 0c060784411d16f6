// Modal layers (dialogs, drawers): each renders into its own container at the end of <body>.
// While a layer is open everything else is inert and aria-hidden, Tab cycles inside the top
// layer, Escape closes it, and focus returns to where it was when the layer closes.
import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

const stack: HTMLElement[] = [];

function applyInert(): void {
  const top = stack[stack.length - 1];
  for (const el of Array.from(document.body.children)) {
    if (!(el instanceof HTMLElement) || el.tagName === 'SCRIPT') continue;
    if (top && el !== top) {
      if (!el.dataset.layerHidden) {
        el.dataset.layerHidden = '1';
        el.setAttribute('aria-hidden', 'true');
        el.inert = true;
      }
    } else if (el.dataset.layerHidden) {
      delete el.dataset.layerHidden;
      el.removeAttribute('aria-hidden');
      el.inert = false;
    }
  }
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root: HTMLElement): HTMLElement[] {
  return Array.from(root.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.getClientRects().length > 0);
}

interface LayerProps {
  onClose: () => void;
  children: ReactNode;
  className?: string;
}

/** First focus goes to [data-autofocus], else the first editable field, else the panel itself. */
export function Layer({ onClose, children, className }: LayerProps) {
  const [container] = useState(() => {
    const div = document.createElement('div');
    div.className = className ?? 'layer';
    return div;
  });
  const closeRef = useRef(onClose);
  closeRef.current = onClose;

  useLayoutEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    document.body.appendChild(container);
    stack.push(container);
    applyInert();
    const first =
      container.querySelector<HTMLElement>('[data-autofocus]') ??
      container.querySelector<HTMLElement>('input:not([disabled]):not([readonly]), select, textarea') ??
      container.querySelector<HTMLElement>('[data-layer-panel]');
    first?.focus();
    return () => {
      const i = stack.indexOf(container);
      if (i >= 0) stack.splice(i, 1);
      container.remove();
      applyInert();
      if (previous && previous.isConnected && !previous.closest('[inert]')) previous.focus();
    };
  }, [container]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (stack[stack.length - 1] !== container) return;
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        closeRef.current();
      } else if (e.key === 'Tab') {
        const items = focusables(container);
        if (items.length === 0) {
          e.preventDefault();
          return;
        }
        const first = items[0]!;
        const last = items[items.length - 1]!;
        const active = document.activeElement;
        if (e.shiftKey && (active === first || !container.contains(active))) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && (active === last || !container.contains(active))) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [container]);

  return createPortal(children, container);
}
