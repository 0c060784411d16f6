// Which application a host belongs to. Patterns are host names, optionally with a port, or
// "*.example.com" (any subdomain, at any depth, but not example.com itself). Case-insensitive; a
// pattern without a port matches the host on any port.
import type { ApplicationRecord } from './store.ts';

export const HOST_PATTERN = /^(\*\.)?[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.?(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function checkHostPatterns(hosts: string[]): string | null {
  for (let i = 0; i < hosts.length; i++) {
    if (!HOST_PATTERN.test(hosts[i]!)) {
      return `hosts[${i}] "${hosts[i]}" is not a host name or pattern (e.g. "api.shop.example", "*.shop.example", "api.shop.example:8443")`;
    }
  }
  return null;
}

function splitPort(host: string): [string, string | null] {
  const m = /^(.*?)(?::(\d+))?$/.exec(host.toLowerCase().replace(/\.$/, ''));
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return [host.slice(0, end + 1).toLowerCase(), host.slice(end + 2) || null];
  }
  return [m![1]!.replace(/\.$/, ''), m![2] ?? null];
}

export function hostMatches(pattern: string, host: string): boolean {
  const [pName, pPort] = splitPort(pattern);
  const [hName, hPort] = splitPort(host);
  if (pPort !== null && pPort !== hPort) return false;
  if (pName.startsWith('*.')) return hName.endsWith(pName.slice(1)) && hName.length > pName.length - 1;
  return pName === hName;
}

export function applicationOf(apps: ApplicationRecord[], host: string | null): ApplicationRecord | null {
  if (host === null) return null;
  return apps.find((a) => a.hosts.some((p) => hostMatches(p, host))) ?? null;
}
