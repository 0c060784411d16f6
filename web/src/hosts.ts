// Host patterns of applications, checked as the server checks them (src/store/applications.ts).

export const HOST_PATTERN = /^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** Lines of a textarea → trimmed, non-empty, without duplicates (case-insensitive). */
export function parseHostLines(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const h = line.trim();
    if (!h || seen.has(h.toLowerCase())) continue;
    seen.add(h.toLowerCase());
    out.push(h);
  }
  return out;
}

/** A sentence naming the bad lines, or null. */
export function hostLinesProblem(text: string): string | null {
  const bad: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const h = line.trim();
    if (h && (h.length > 255 || !HOST_PATTERN.test(h))) bad.push(`line ${i + 1} (“${h.length > 40 ? `${h.slice(0, 40)}…` : h}”)`);
  });
  if (bad.length === 0) return null;
  return `Not a host name or pattern: ${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''}. Use e.g. api.shop.example, *.shop.example or api.shop.example:8443.`;
}

/** Does an application host pattern claim this host? Mirrors hostMatches() on the server. */
export function hostMatches(pattern: string, host: string): boolean {
  const split = (h: string): [string, string | null] => {
    if (h.startsWith('[')) {
      const end = h.indexOf(']');
      return [h.slice(0, end + 1).toLowerCase(), h.slice(end + 2) || null];
    }
    const m = /^(.*?)(?::(\d+))?$/.exec(h.toLowerCase().replace(/\.$/, ''))!;
    return [m[1]!.replace(/\.$/, ''), m[2] ?? null];
  };
  const [pName, pPort] = split(pattern);
  const [hName, hPort] = split(host);
  if (pPort !== null && pPort !== hPort) return false;
  if (pName.startsWith('*.')) return hName.endsWith(pName.slice(1)) && hName.length > pName.length - 1;
  return pName === hName;
}
