// Inline SVG icons (stroke style, 20 px grid). Decorative: the button or link around them carries the name.
import type { ReactNode } from 'react';

const paths = {
  dashboard: <><rect x="3" y="3" width="6" height="8" rx="1.5" /><rect x="11" y="3" width="6" height="5" rx="1.5" /><rect x="3" y="13" width="6" height="4" rx="1.5" /><rect x="11" y="10" width="6" height="7" rx="1.5" /></>,
  apps: <><rect x="3" y="3" width="14" height="14" rx="2.5" /><path d="M3 8h14M8 8v9" /></>,
  pulse: <path d="M2 10h3.5l2-5 4 10 2-5H18" />,
  plug: <><path d="M7 3v4M13 3v4M5 7h10v3a5 5 0 0 1-10 0V7zM10 15v3" /></>,
  settings: <><circle cx="10" cy="10" r="2.5" /><path d="M10 2.5v2M10 15.5v2M2.5 10h2M15.5 10h2M4.7 4.7l1.4 1.4M13.9 13.9l1.4 1.4M4.7 15.3l1.4-1.4M13.9 6.1l1.4-1.4" /></>,
  users: <><circle cx="8" cy="7" r="3" /><path d="M2.5 17c.6-3 2.8-4.5 5.5-4.5s4.9 1.5 5.5 4.5M13 4.2a3 3 0 0 1 0 5.6M15 12.8c1.3.6 2.2 2 2.5 4.2" /></>,
  eye: <><path d="M1.5 10S4.5 4 10 4s8.5 6 8.5 6-3 6-8.5 6-8.5-6-8.5-6z" /><circle cx="10" cy="10" r="2.5" /></>,
  eyeOff: <><path d="M8.2 4.2A8 8 0 0 1 10 4c5.5 0 8.5 6 8.5 6a14 14 0 0 1-2.3 3.1M5.2 5.4C2.9 7 1.5 10 1.5 10s3 6 8.5 6a8 8 0 0 0 4.3-1.3M8.2 8.2a2.5 2.5 0 0 0 3.6 3.6M2.5 2.5l15 15" /></>,
  copy: <><rect x="7" y="7" width="10" height="10" rx="2" /><path d="M13 7V5a2 2 0 0 0-2-2H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h2" /></>,
  check: <path d="M4 10.5l4 4 8-9" />,
  plus: <path d="M10 4v12M4 10h12" />,
  edit: <path d="M13.5 3.5l3 3L7 16H4v-3l9.5-9.5z" />,
  trash: <path d="M3.5 5.5h13M8 5.5V3.5h4v2M5 5.5l1 11h8l1-11M8.5 8.5v5M11.5 8.5v5" />,
  key: <><circle cx="6.5" cy="13.5" r="3.5" /><path d="M9 11l7.5-7.5M14 6l2 2M12 8l1.5 1.5" /></>,
  close: <path d="M5 5l10 10M15 5L5 15" />,
  chevronDown: <path d="M5.5 8l4.5 4.5L14.5 8" />,
  logout: <path d="M8 3.5H4.5a1 1 0 0 0-1 1v11a1 1 0 0 0 1 1H8M13 6.5l3.5 3.5-3.5 3.5M16.5 10H8" />,
  lock: <><rect x="4" y="9" width="12" height="8.5" rx="2" /><path d="M6.5 9V6.5a3.5 3.5 0 0 1 7 0V9" /></>,
  alert: <><path d="M10 2.5L18 16.5H2L10 2.5z" /><path d="M10 8v4M10 14.2v.3" /></>,
  info: <><circle cx="10" cy="10" r="7.5" /><path d="M10 9v5M10 6.2v.3" /></>,
  globe: <><circle cx="10" cy="10" r="7.5" /><path d="M2.5 10h15M10 2.5c2.2 2.3 3 4.8 3 7.5s-.8 5.2-3 7.5c-2.2-2.3-3-4.8-3-7.5s.8-5.2 3-7.5z" /></>,
  refresh: <path d="M16 10a6 6 0 1 1-1.8-4.3M16 3.5v3.5h-3.5" />,
  terminal: <><rect x="2.5" y="3.5" width="15" height="13" rx="2" /><path d="M6 8l2.5 2L6 12M10.5 12.5H14" /></>,
  cloud: <path d="M6 15.5h8.5a3.5 3.5 0 0 0 .4-7A5 5 0 0 0 5.3 8 3.8 3.8 0 0 0 6 15.5z" />,
  inbox: <><path d="M2.5 11l2-6.5h11l2 6.5v4.5a1 1 0 0 1-1 1h-13a1 1 0 0 1-1-1V11z" /><path d="M2.5 11h4.5l1 2h4l1-2h4.5" /></>,
} satisfies Record<string, ReactNode>;

export type IconName = keyof typeof paths;

export function Icon({ name, size = 18, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 20 20"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
    >
      {paths[name]}
    </svg>
  );
}
