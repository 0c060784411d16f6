// Path traversal: ../ and ..\ sequences (after URL decoding, twice, overlong UTF-8 and %u forms),
// absolute paths of well-known sensitive files, and null bytes that cut an extension off.
// One forward pass over the text plus substring look-ups.

import type { Layers } from './decode.ts';

export interface PathHit {
  score: number;
  reasons: string[];
  at: number;
}

const SENSITIVE = [
  'etc/passwd', 'etc/shadow', 'etc/group', 'etc/hosts', 'etc/issue', 'etc/hostname', 'etc/master.passwd', 'etc/sudoers', 'etc/crontab',
  'proc/self/', 'proc/version', 'proc/1/', 'windows/win.ini', 'win.ini', 'boot.ini', 'windows/system32', 'winnt/system32',
  'windows/system.ini', 'system32/config/sam', 'system32/drivers/etc/hosts', 'inetpub/wwwroot', 'web-inf/web.xml', 'meta-inf/',
  '.ssh/id_rsa', '.ssh/authorized_keys', '.bash_history', '.htaccess', '.htpasswd', '.env', '.git/config', 'wp-config.php',
  'web.config', 'var/log/', 'usr/local/', 'root/', 'home/', 'config/database.yml', 'application.properties', 'php.ini', 'my.cnf', 'httpd.conf',
];
/** Absolute sensitive paths that mean something on their own, without any ../ */
const ABSOLUTE = [
  '/etc/passwd', '/etc/shadow', '/etc/master.passwd', '/etc/sudoers', '/proc/self/environ', '/proc/self/cmdline', '/proc/self/fd/', '/proc/version',
  'c:/windows/win.ini', 'c:/boot.ini', 'c:/windows/system.ini', 'c:/windows/system32/config/sam', '/windows/win.ini', '/winnt/win.ini',
  '/web-inf/web.xml', '/.ssh/id_rsa', '/root/.ssh/', '/root/.bash_history', 'file:///etc/', 'file://c:/', '/etc/shadow',
];

function norm(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 || c === 0x2215 || c === 0x2216 || c === 0xff0f || c === 0xff3c || c === 0x2044) out += '/';
    else if (c === 0xff0e || c === 0x2024) out += '.';
    else if (c >= 65 && c <= 90) out += String.fromCharCode(c + 32);
    else out += s[i]!;
  }
  return out;
}

export function detectTraversal(layers: Layers): PathHit | null {
  const t = norm(layers.full);
  const reasons: string[] = [];
  let score = 0;
  let at = -1;
  // count ../ segments
  let depth = 0;
  let first = -1;
  let p = t.indexOf('..');
  while (p !== -1) {
    let e = p;
    while (e < t.length && t.charCodeAt(e) === 46) e++;
    const dots = e - p;
    let nx = t.charCodeAt(e);
    if (nx === 59 /* ..;/ */ && t.charCodeAt(e + 1) === 47) nx = 47;
    const prev = p === 0 ? 47 : t.charCodeAt(p - 1);
    const prevOk = prev === 47 || prev === 61 || prev <= 32 || prev === 58 || prev === 34 || prev === 39 || prev === 40 || prev === 0 || p === 0 || prev === 46;
    if (prevOk && (nx === 47 || (e >= t.length && depth > 0)) && dots >= 2 && dots <= 8) {
      depth++;
      if (first === -1) first = p;
    }
    p = t.indexOf('..', e);
  }
  if (depth > 0) {
    at = first;
    const tail = t.slice(first);
    const target = SENSITIVE.find((s) => tail.includes(s));
    const startsWith = t.trimStart().startsWith('..') || /^[\w.-]{0,40}=?\.\./.test(t) || t.startsWith('/..') || t.startsWith('./..');
    if (depth >= 3) score = 0.9;
    else if (depth === 2) score = startsWith ? 0.8 : 0.7;
    else score = startsWith ? 0.55 : 0.35;
    reasons.push(`${depth} ../ sequence${depth > 1 ? 's' : ''}`);
    if (target) {
      score = Math.max(score + 0.35, 0.9);
      reasons.push(`toward ${target}`);
    }
    if (layers.encodedPathChars) {
      score = Math.max(score + 0.3, 0.85);
      reasons.push(layers.urlRounds > 1 ? 'double URL-encoded dots or slashes' : 'URL-encoded dots or slashes');
    }
    if (t.includes('....//') || t.includes('..;/')) {
      score = Math.max(score, 0.85);
      reasons.push('filter-evasion form (....// or ..;/)');
    }
  }
  // absolute sensitive paths
  for (const a of ABSOLUTE) {
    const k = t.indexOf(a);
    if (k === -1) continue;
    const before = k === 0 ? '' : t.slice(Math.max(0, k - 8), k);
    const lead = k === 0 || /[=:'"(]\s*$|^\s*$|^[a-z]:$|\/\/?$/.test(before) || t.trimStart().startsWith(a) || /^[a-z]:/.test(t.slice(k - 2, k));
    const w = lead ? 0.85 : 0.65;
    if (w > score) {
      score = w;
      at = k;
    }
    reasons.push(`sensitive path ${a}`);
    break;
  }
  // null byte cutting an extension
  const nul = t.indexOf('\0');
  if (nul !== -1) {
    const after = t.slice(nul + 1, nul + 8);
    if (/^\.?[a-z0-9]{1,5}\b/.test(after) || nul === t.length - 1) {
      const w = depth > 0 || /\.[a-z0-9]{1,5}$/.test(t.slice(Math.max(0, nul - 8), nul)) ? 0.85 : 0.6;
      if (w > score) {
        score = w;
        at = nul;
      }
      reasons.push('null byte before an extension');
    }
  }
  if (score === 0) return null;
  return { score: Math.min(1, score), reasons, at: Math.max(0, at) };
}
