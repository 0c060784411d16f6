// The client-IP rule of edge-api.md section 4: the capture's client-ip when valid, else the first
// forwarding header that yields a valid address, else the connection address. The rule that
// fired is returned with the address so the console can explain it.
import { BlockList, isIP } from 'node:net';
import type { ClientIpRule, Header } from './transaction.ts';

export interface ClientIpOptions {
  /** Header names tried in order (lower case). */
  headers: string[];
  /** Proxies whose addresses are skipped when reading x-forwarded-for and forwarded right to left. */
  trustedProxies: BlockList | null;
}

export const DEFAULT_CLIENT_IP_HEADERS = ['x-forwarded-for', 'x-real-ip', 'true-client-ip', 'cf-connecting-ip', 'forwarded'];

export const DEFAULT_CLIENT_IP_OPTIONS: ClientIpOptions = { headers: DEFAULT_CLIENT_IP_HEADERS, trustedProxies: null };

/** Parses CIDRs (or single addresses) into a BlockList; throws naming the bad entry. */
export function parseCidrList(entries: string[], what: string): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim();
    if (!entry) continue;
    const [addr, bits] = entry.split('/');
    const family = isIP(addr ?? '');
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new Error(`${what}: "${entry}" is not an IPv4/IPv6 address or CIDR (e.g. 10.0.0.0/8, 2001:db8::/32)`);
    }
    list.addSubnet(addr!, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}

/** True when the address is in the list (IPv4-mapped IPv6 addresses are checked as IPv4). */
export function inList(list: BlockList, address: string): boolean {
  const plain = normalizeAddress(address);
  if (!plain) return false;
  return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
}

/** A bare, valid IP address from a header token ("1.2.3.4:80", "[::1]:80", "\"[::1]\""), or null. */
export function normalizeAddress(token: string): string | null {
  let t = token.trim().replace(/^"|"$/g, '');
  if (t.startsWith('[')) t = t.slice(1, t.indexOf(']') === -1 ? undefined : t.indexOf(']'));
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(t)) t = t.slice(0, t.lastIndexOf(':'));
  if (t.toLowerCase().startsWith('::ffff:') && isIP(t.slice(7)) === 4) t = t.slice(7);
  return isIP(t) ? t : null;
}

function forwardedFor(value: string): string[] {
  const out: string[] = [];
  for (const element of value.split(',')) {
    for (const pair of element.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0 && pair.slice(0, eq).trim().toLowerCase() === 'for') out.push(pair.slice(eq + 1));
    }
  }
  return out;
}

function pickFromChain(tokens: string[], trusted: BlockList | null): string | null {
  const addresses = tokens.map(normalizeAddress);
  if (!trusted) return addresses.find((a) => a !== null) ?? null;
  for (let i = addresses.length - 1; i >= 0; i--) {
    const a = addresses[i];
    if (a && !inList(trusted, a)) return a;
  }
  return null;
}

export function resolveClientIp(
  captured: string | undefined,
  headers: Header[],
  connectionIp: string,
  options: ClientIpOptions,
): { address: string; rule: ClientIpRule } {
  const direct = captured ? normalizeAddress(captured) : null;
  if (direct) return { address: direct, rule: 'client-ip' };
  for (const name of options.headers) {
    const values = headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
    if (values.length === 0) continue;
    const joined = values.join(',');
    let address: string | null;
    if (name === 'x-forwarded-for') address = pickFromChain(joined.split(','), options.trustedProxies);
    else if (name === 'forwarded') address = pickFromChain(forwardedFor(joined), options.trustedProxies);
    else address = normalizeAddress(values[0]!);
    if (address) return { address, rule: `header:${name}` };
  }
  return { address: normalizeAddress(connectionIp) ?? connectionIp, rule: 'connection-ip' };
}
