// The Tapline mark and word.
export function Logo({ compact }: { compact?: boolean }) {
  return (
    <span className="logo">
      <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
        <rect width="32" height="32" rx="8" className="logo-tile" />
        <path d="M8 11h16M16 11v13" stroke="white" strokeWidth="3.5" strokeLinecap="round" fill="none" />
        <circle cx="24" cy="22" r="3" fill="white" opacity="0.85" />
      </svg>
      {!compact && <span className="logo-word">Tapline</span>}
    </span>
  );
}
