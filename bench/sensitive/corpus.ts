// A deterministic, labelled corpus of realistic JSON API bodies for the sensitive-data detectors.
// Every planted value has a label: `positive` (a valid value of its type), `negative` (a
// checksum-invalid lookalike: it must not be reported as that type) or `decoy` (an id, timestamp,
// hash or uuid that merely looks like something: nothing may be reported above the threshold).
import { createHash } from 'node:crypto';
import { keccak256 } from '../../src/analysis/sensitive/checksums.ts';
import { mulberry32 } from '../lib.ts';

export type LabelKind = 'positive' | 'negative' | 'decoy';
export interface Label {
  field: string;
  type: string;
  kind: LabelKind;
  value: string;
}
export interface Sample {
  id: number;
  kind: string;
  body: string;
  labels: Label[];
}

// ---- deterministic randomness (mulberry32)
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
  chars(n: number, alphabet: string): string {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[this.int(0, alphabet.length - 1)];
    return s;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }
}

const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64U = B62 + '-_';
const HEX = '0123456789abcdef';

// ---- value generators
function luhnDigit(partial: string): string {
  let sum = 0;
  let dbl = true;
  for (let i = partial.length - 1; i >= 0; i--) {
    let d = partial.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return String((10 - (sum % 10)) % 10);
}
const withLuhn = (partial: string) => partial + luhnDigit(partial);
const breakLast = (s: string) => s.slice(0, -1) + String((Number(s.at(-1)) + 1 + (Number(s.at(-1)) % 3)) % 10);

function cardDigits(r: Rng): string {
  const brand = r.pick(['visa', 'visa', 'mc', 'mc2', 'amex', 'discover', 'jcb']);
  switch (brand) {
    case 'visa': return withLuhn('4' + r.digits(14));
    case 'mc': return withLuhn(String(r.int(51, 55)) + r.digits(13));
    case 'mc2': return withLuhn(String(r.int(2221, 2720)) + r.digits(11));
    case 'amex': return withLuhn(r.pick(['34', '37']) + r.digits(12));
    case 'discover': return withLuhn('6011' + r.digits(11));
    default: return withLuhn(String(r.int(3528, 3589)) + r.digits(11));
  }
}
function formatCard(r: Rng, d: string): string {
  const f = r.int(0, 3);
  if (f <= 1) return d;
  const sep = f === 2 ? ' ' : '-';
  if (d.length === 15) return [d.slice(0, 4), d.slice(4, 10), d.slice(10)].join(sep);
  return d.match(/.{1,4}/g)!.join(sep);
}

const IBAN_SPECS: Array<[string, (r: Rng) => string]> = [
  ['DE', (r) => r.digits(18)], ['GB', (r) => r.pick(['NWBK', 'BARC', 'HBUK', 'LOYD']) + r.digits(14)], ['FR', (r) => r.digits(23)],
  ['NL', (r) => r.pick(['ABNA', 'INGB', 'RABO']) + r.digits(10)], ['ES', (r) => r.digits(20)], ['BE', (r) => r.digits(12)],
  ['AT', (r) => r.digits(16)], ['CH', (r) => r.digits(17)], ['PL', (r) => r.digits(24)], ['SE', (r) => r.digits(20)],
];
function mod97(s: string): number {
  let rem = 0;
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    rem = c >= 65 ? (rem * 100 + c - 55) % 97 : (rem * 10 + c - 48) % 97;
  }
  return rem;
}
function iban(r: Rng, valid: boolean): string {
  const [cc, bban] = r.pick(IBAN_SPECS);
  const b = bban(r);
  let check = 98 - mod97(b + cc + '00');
  if (!valid) check = check === 97 ? 2 : check + 1 + (check % 3);
  const s = cc + String(check % 100).padStart(2, '0') + b;
  return r.chance(0.4) ? s.match(/.{1,4}/g)!.join(' ') : s;
}
function ssn(r: Rng, valid: boolean, dashed: boolean): string {
  let area = r.int(1, 899);
  if (area === 666) area = 667;
  let group = r.int(1, 99);
  let serial = r.int(1, 9999);
  if (!valid) {
    const bad = r.int(0, 3);
    if (bad === 0) area = 0;
    else if (bad === 1) area = 666;
    else if (bad === 2) area = r.int(900, 999);
    else if (r.chance(0.5)) group = 0;
    else serial = 0;
  }
  const a = String(area).padStart(3, '0'), g = String(group).padStart(2, '0'), s = String(serial).padStart(4, '0');
  return dashed ? `${a}-${g}-${s}` : a + g + s;
}
const NANP = ['201', '212', '213', '303', '305', '312', '404', '415', '469', '503', '512', '602', '617', '646', '702', '713', '718', '773', '804', '917'];
function phone(r: Rng, valid: boolean): string {
  if (!valid) {
    // area codes starting with 0 or 1 do not exist
    return r.pick([`+1 ${r.pick(['0', '1'])}${r.digits(2)}-${r.int(200, 999)}-${r.digits(4)}`, `(${r.pick(['0', '1'])}${r.digits(2)}) ${r.int(200, 999)}-${r.digits(4)}`]);
  }
  const kind = r.int(0, 6);
  const area = r.pick(NANP);
  const ex = String(r.int(201, 989));
  const line = r.digits(4);
  switch (kind) {
    case 0: return `+1 ${area}-${ex}-${line}`;
    case 1: return `(${area}) ${ex}-${line}`;
    case 2: return `+1${area}${ex}${line}`;
    case 3: return `${area}.${ex}.${line}`;
    case 4: return `+44 20 7${r.digits(3)} ${r.digits(4)}`;
    case 5: return `+49 30 ${r.int(2, 9)}${r.digits(7)}`;
    default: return `+33 ${r.int(1, 5)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)} ${r.digits(2)}`;
  }
}
const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yuki'];
const LAST = ['smith', 'jones', 'garcia', 'miller', 'davis', 'lopez', 'wilson', 'moore', 'taylor', 'nguyen', 'kim', 'patel', 'schmidt', 'rossi', 'dubois'];
const DOMAINS = ['example.com', 'mail.example.org', 'acme.io', 'corp.example.net', 'gmail.com', 'outlook.com', 'uni.edu', 'shop.co.uk'];
const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1);
function email(r: Rng): string {
  const f = r.pick(FIRST), l = r.pick(LAST);
  const local = r.pick([`${f}.${l}`, `${f}${r.int(1, 99)}`, `${f[0]}${l}`, `${f}_${l}+news`, `${cap(f)}.${cap(l)}`]);
  return `${local}@${r.pick(DOMAINS)}`;
}
function ipv4(r: Rng, valid: boolean): string {
  const o = [r.pick([10, 172, 192, 81, 203, 54, 34, 145]), r.int(0, 255), r.int(0, 255), r.int(1, 254)];
  if (!valid) o[r.int(1, 3)] = r.int(256, 999);
  return o.join('.');
}
function ipv6(r: Rng): string {
  const g = () => r.int(0, 0xffff).toString(16);
  return r.pick([
    () => `2001:db8:${g()}:${g()}::${g()}`,
    () => `fe80::${g()}:${g()}:${g()}:${g()}`,
    () => `2a00:1450:${g()}:${g()}:${g()}:${g()}:${g()}:${g()}`,
    () => `2606:4700::${g()}`,
  ])();
}
const b64u = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
function jwt(r: Rng, valid: boolean): string {
  const header = valid ? b64u({ alg: r.pick(['HS256', 'RS256', 'ES256']), typ: 'JWT' }) : 'eyJ' + r.chars(30, B64U);
  const payload = b64u({ sub: `user-${r.int(1, 99999)}`, iat: 1718000000 + r.int(0, 1e6), exp: 1718003600 + r.int(0, 1e6), scope: 'read write', name: cap(r.pick(FIRST)) });
  return `${header}.${payload}.${r.chars(43, B64U)}`;
}
function password(r: Rng): string {
  return r.pick([
    () => r.chars(r.int(8, 16), B62 + '!@#$%^&*'),
    () => `${cap(r.pick(FIRST))}${r.int(1950, 2024)}!`,
    () => `correct-horse-${r.pick(LAST)}-${r.int(10, 99)}`,
    () => r.chars(r.int(6, 10), 'abcdefghijklmnopqrstuvwxyz') + r.digits(2),
  ])();
}
const secret = (r: Rng) => r.chars(r.int(24, 48), r.chance(0.3) ? HEX : B62);
const akia = (r: Rng) => r.pick(['AKIA', 'ASIA']) + r.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567');
const KEYS: Array<[string, (r: Rng) => string]> = [
  ['AWS_ACCESS_KEY', akia],
  ['GOOGLE_API_KEY', (r) => 'AIza' + r.chars(35, B64U)],
  ['GITHUB_TOKEN', (r) => r.pick(['ghp_', 'gho_', 'ghs_']) + r.chars(36, B62)],
  ['GITLAB_TOKEN', (r) => 'glpat-' + r.chars(20, B64U)],
  ['SLACK_TOKEN', (r) => `xoxb-${r.digits(12)}-${r.digits(13)}-${r.chars(24, B62)}`],
  ['STRIPE_KEY', (r) => r.pick(['sk_live_', 'rk_live_', 'sk_test_']) + r.chars(r.int(24, 34), B62)],
  ['SENDGRID_KEY', (r) => `SG.${r.chars(22, B64U)}.${r.chars(43, B64U)}`],
  ['NPM_TOKEN', (r) => 'npm_' + r.chars(36, B62)],
];
function pem(r: Rng): string {
  const kind = r.pick(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY']);
  const lines: string[] = [];
  for (let i = 0; i < r.int(3, 8); i++) lines.push(r.bytes(48).toString('base64'));
  return `-----BEGIN ${kind}-----\n${lines.join('\n')}\n-----END ${kind}-----\n`;
}
function aba(r: Rng, valid: boolean): string {
  for (;;) {
    const p = String(r.pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 21, 22, 26, 31, 32, 61, 63, 71])).padStart(2, '0');
    const d8 = p + r.digits(6);
    const w = [3, 7, 1, 3, 7, 1, 3, 7];
    let sum = 0;
    for (let i = 0; i < 8; i++) sum += Number(d8[i]) * w[i]!;
    const check = (10 - (sum % 10)) % 10;
    return d8 + String(valid ? check : (check + r.int(1, 9)) % 10);
  }
}
function dob(r: Rng): string {
  const y = r.int(1940, 2006), m = r.int(1, 12), d = r.int(1, 28);
  const p = (n: number) => String(n).padStart(2, '0');
  return r.pick([`${y}-${p(m)}-${p(d)}`, `${p(m)}/${p(d)}/${y}`, `${p(d)}.${p(m)}.${y}`, `${y}-${p(m)}-${p(d)}T00:00:00Z`])!;
}
function sin(r: Rng, valid: boolean): string {
  const body = String(r.pick([1, 2, 3, 4, 5, 6, 7, 9])) + r.digits(7);
  const d = valid ? withLuhn(body) : breakLast(withLuhn(body));
  return r.pick([`${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}`, `${d.slice(0, 3)} ${d.slice(3, 6)} ${d.slice(6)}`, d]);
}
function nino(r: Rng, valid: boolean): string {
  const first = valid ? r.pick([...'ABCEGHJKLMNPRSTWXYZ']) : r.pick([...'DFIQUV']);
  const second = r.pick([...'ABCEGHJKLMNPRSTWXYZ']);
  const pre = `${first}${second}`;
  const n = `${['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(pre) ? 'AB' : pre}${r.digits(6)}${valid ? r.pick([...'ABCD']) : r.pick([...'ABCD'])}`;
  return r.chance(0.4) ? `${n.slice(0, 2)} ${n.slice(2, 4)} ${n.slice(4, 6)} ${n.slice(6, 8)} ${n.slice(8)}` : n;
}
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(buf: Buffer): string {
  let n = BigInt('0x' + buf.toString('hex'));
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (const b of buf) {
    if (b !== 0) break;
    s = '1' + s;
  }
  return s;
}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();
const BECH = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function bech32Encode(hrp: string, data: number[]): string {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  const polymod = (values: number[]) => {
    let chk = 1;
    for (const v of values) {
      const top = chk >>> 25;
      chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
      for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ G[i]!) >>> 0;
    }
    return chk;
  };
  const exp = [...[...hrp].map((c) => c.charCodeAt(0) >> 5), 0, ...[...hrp].map((c) => c.charCodeAt(0) & 31)];
  const pm = polymod([...exp, ...data, 0, 0, 0, 0, 0, 0]) ^ 1;
  const chk = [0, 1, 2, 3, 4, 5].map((i) => (pm >>> (5 * (5 - i))) & 31);
  return hrp + '1' + [...data, ...chk].map((v) => BECH[v]).join('');
}
function btc(r: Rng, valid: boolean): string {
  let a: string;
  if (r.chance(0.6)) {
    const payload = Buffer.concat([Buffer.from([r.pick([0, 5])]), r.bytes(20)]);
    a = base58(Buffer.concat([payload, sha256(sha256(payload)).subarray(0, 4)]));
  } else {
    const prog = r.bytes(20);
    const five: number[] = [];
    let acc = 0, bits = 0;
    for (const b of prog) {
      acc = (acc << 8) | b;
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        five.push((acc >> bits) & 31);
      }
    }
    if (bits) five.push((acc << (5 - bits)) & 31);
    a = bech32Encode('bc', [0, ...five]);
  }
  if (valid) return a;
  const i = r.int(5, a.length - 2);
  const alphabet = a.startsWith('bc1') ? BECH : B58;
  const repl = alphabet[(alphabet.indexOf(a[i]!) + 1) % alphabet.length];
  return a.slice(0, i) + repl + a.slice(i + 1);
}
function eth(r: Rng, valid: boolean): string {
  const lower = r.bytes(20).toString('hex');
  if (valid && r.chance(0.3)) return '0x' + lower;
  const h = keccak256(Buffer.from(lower, 'ascii'));
  let out = '';
  for (let i = 0; i < 40; i++) out += parseInt(h[i]!, 16) >= 8 ? lower[i]!.toUpperCase() : lower[i];
  if (valid) return '0x' + out;
  // flip the case of one letter: EIP-55 checksum fails
  const letters = [...out].flatMap((c, i) => (/[a-fA-F]/.test(c) ? [i] : []));
  const i = letters[r.int(0, letters.length - 1)]!;
  const c = out[i]!;
  return '0x' + out.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + out.slice(i + 1);
}
function mac(r: Rng): string {
  const b = r.bytes(6);
  b[0] = (b[0]! & 0xfe) | 0x02;
  const s = [...b].map((x) => x.toString(16).padStart(2, '0'));
  const up = r.chance(0.5);
  return s.map((x) => (up ? x.toUpperCase() : x)).join(r.pick([':', ':', '-']));
}
const uuid = (r: Rng) => {
  const h = r.chars(32, HEX);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};

// ---- field names per type: [name, ...] (a mix of telling and neutral names)
type Plant = { type: string; names: string[]; gen: (r: Rng) => string; neg?: (r: Rng) => string; text?: (v: string, r: Rng) => string };
const PLANTS: Plant[] = [
  { type: 'CREDIT_CARD', names: ['cardNumber', 'card_number', 'pan', 'ccNumber', 'creditCard', 'number', 'primaryAccountNumber', 'paymentCard', 'value'], gen: (r) => formatCard(r, cardDigits(r)), neg: (r) => formatCard(r, breakLast(cardDigits(r))), text: (v) => `Customer paid with card ${v} yesterday` },
  { type: 'IBAN', names: ['iban', 'IBAN', 'bankAccount', 'account_iban', 'payoutAccount', 'beneficiaryIban', 'destination'], gen: (r) => iban(r, true), neg: (r) => iban(r, false), text: (v) => `Please refund to IBAN ${v} asap` },
  { type: 'US_SSN', names: ['ssn', 'socialSecurityNumber', 'social_security_number', 'SSN', 'taxpayerSsn'], gen: (r) => ssn(r, true, r.chance(0.7)), neg: (r) => ssn(r, false, true), text: (v) => `applicant SSN ${v} verified` },
  { type: 'EMAIL', names: ['email', 'emailAddress', 'contactEmail', 'user_email', 'billingEmail', 'to', 'reply_to', 'login', 'owner', 'recipient'], gen: email, text: (v) => `Ticket opened by ${v} via web form` },
  { type: 'PHONE_NUMBER', names: ['phone', 'phoneNumber', 'mobile', 'mobilePhone', 'telephone', 'contactPhone', 'cell', 'fax', 'msisdn', 'homePhone'], gen: (r) => phone(r, true), neg: (r) => phone(r, false), text: (v) => `Call me back on ${v} after 5pm` },
  { type: 'IPV4', names: ['ip', 'ipAddress', 'clientIp', 'remote_addr', 'sourceIp', 'lastLoginIp', 'host_ip'], gen: (r) => ipv4(r, true), neg: (r) => ipv4(r, false), text: (v) => `Login from ${v} blocked` },
  { type: 'IPV6', names: ['ipv6', 'ip', 'clientAddress', 'remoteIp', 'peer'], gen: ipv6 },
  { type: 'JWT', names: ['token', 'accessToken', 'id_token', 'jwt', 'authToken', 'bearer', 'assertion'], gen: (r) => jwt(r, true), text: (v) => `Authorization: Bearer ${v}` },
  { type: 'PASSWORD', names: ['password', 'newPassword', 'current_password', 'passwd', 'pwd', 'password_confirmation', 'dbPassword', 'smtpPassword'], gen: password },
  { type: 'SECRET', names: ['clientSecret', 'client_secret', 'apiKey', 'api_key', 'secret', 'webhookSecret', 'refreshToken', 'sessionToken', 'signingSecret', 'x-api-key'], gen: secret },
  ...KEYS.map(([type, gen]) => ({ type, names: ['key', 'credential', 'value', 'token', 'apiKey', 'config_value', 'accessKeyId'], gen, text: (v: string) => `deploy used ${v} from the vault` })),
  { type: 'AWS_SECRET_KEY', names: ['awsSecretAccessKey', 'aws_secret_access_key', 'AWS_SECRET_KEY'], gen: (r) => r.chars(40, B62 + '+/') },
  { type: 'PRIVATE_KEY', names: ['privateKey', 'private_key', 'pem', 'sshKey', 'tlsKey'], gen: pem },
  { type: 'ABA_ROUTING', names: ['routingNumber', 'routing_number', 'aba', 'abaRouting', 'bankRoutingNumber', 'rtn'], gen: (r) => aba(r, true), neg: (r) => aba(r, false) },
  { type: 'DATE_OF_BIRTH', names: ['dob', 'dateOfBirth', 'birthDate', 'birthday', 'date_of_birth', 'birth_date'], gen: dob },
  { type: 'CA_SIN', names: ['sin', 'socialInsuranceNumber', 'sin_number', 'SIN'], gen: (r) => sin(r, true), neg: (r) => sin(r, false) },
  { type: 'UK_NINO', names: ['nino', 'nationalInsuranceNumber', 'ni_number', 'NINo', 'insuranceNumber'], gen: (r) => nino(r, true), neg: (r) => nino(r, false), text: (v) => `employee NI number ${v} on file` },
  { type: 'BITCOIN_ADDRESS', names: ['btcAddress', 'wallet', 'bitcoinAddress', 'payoutAddress', 'address', 'destination'], gen: (r) => btc(r, true), neg: (r) => btc(r, false) },
  { type: 'ETHEREUM_ADDRESS', names: ['ethAddress', 'wallet', 'walletAddress', 'from', 'to', 'contract', 'recipient'], gen: (r) => eth(r, true), neg: (r) => eth(r, false) },
  { type: 'MAC_ADDRESS', names: ['mac', 'macAddress', 'mac_address', 'hwAddr', 'bssid', 'deviceMac'], gen: mac },
];
export const PLANTED_TYPES = [...new Set(PLANTS.map((p) => p.type))];

// ---- decoys: things that look like sensitive values under id-, time- and hash-like names
const DECOYS: Array<[string[], (r: Rng) => string | number]> = [
  [['orderId', 'order_number', 'transactionId', 'invoiceNumber', 'trackingNumber', 'referenceId', 'confirmationCode', 'paymentId'], (r) => withLuhn('4' + r.digits(14))],
  [['orderId', 'orderNumber', 'txnId', 'shipmentId'], (r) => Number(withLuhn(String(r.int(51, 55)) + r.digits(13)))],
  [['createdAt', 'updatedAt', 'timestamp', 'lastModified', 'expiresAt', 'ts', 'eventTime'], (r) => Number(withLuhn('17' + r.digits(10)))],
  [['createdAt', 'timestamp', 'updated_at'], (r) => withLuhn('17' + r.digits(10))],
  [['customerId', 'accountId', 'userId', 'deviceId', 'memberId', 'externalId'], (r) => `${r.pick(NANP)}${r.int(201, 989)}${r.digits(4)}`],
  [['customerId', 'accountId', 'memberId', 'employeeId'], (r) => Number(`${r.pick(NANP)}${r.int(201, 989)}${r.digits(4)}`)],
  [['id', 'requestId', 'uuid', 'correlationId', 'session_id', 'traceId'], uuid],
  [['sha256', 'checksum', 'hash', 'etag', 'contentHash', 'digest'], (r) => r.chars(64, HEX)],
  [['commitSha', 'md5', 'fileHash', 'sha1'], (r) => r.chars(r.pick([32, 40]), HEX)],
  [['txHash', 'blockHash', 'transactionHash'], (r) => '0x' + r.chars(64, HEX)],
  [['employeeId', 'orderNumber', 'id', 'batchId', 'caseNumber'], (r) => ssn(r, true, false)],
  [['employeeId', 'recordId', 'sequence', 'count'], (r) => aba(r, true)],
  [['version', 'buildVersion', 'appVersion'], (r) => `${r.int(1, 9)}.${r.int(0, 20)}.${r.int(0, 30)}.${r.int(0, 300)}`],
  [['orderDate', 'createdAt', 'shipDate', 'expiryDate', 'date'], (r) => dob(r)],
  [['sku', 'productCode', 'ean', 'upc', 'itemNumber'], (r) => r.digits(13)],
  [['amount', 'total', 'balance', 'price'], (r) => Number(`${r.int(1, 9)}${r.digits(7)}`)],
];

// ---- background
const CITIES = ['Berlin', 'Paris', 'Austin', 'Toronto', 'Leeds', 'Osaka', 'Lyon', 'Denver', 'Madrid', 'Porto'];
const STREETS = ['Main Street', 'Elm Road', 'Baker Street', 'Rue de Rivoli', 'Hauptstrasse', 'Queen St W', 'Calle Mayor'];
const WORDS = ['shipped', 'pending', 'delivered', 'returned', 'new', 'priority', 'standard', 'express', 'gift', 'fragile', 'blue', 'large', 'refurbished'];
const SENTENCES = [
  'Customer requested delivery after 6pm.', 'Item arrived damaged, replacement sent.', 'Applied promo code SPRING24 at checkout.',
  'User updated notification preferences.', 'Retrying webhook after timeout (attempt 3 of 5).', 'Invoice 2024-0012 paid in full.',
  'Order split into 2 shipments due to stock.', 'Address verified by postal service.', 'Session expired, user signed in again.',
];

function background(r: Rng, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = r.int(3, 8);
  for (let i = 0; i < n; i++) {
    const k = r.int(0, 13);
    switch (k) {
      case 0: o.status = r.pick(WORDS); break;
      case 1: o.name = `${cap(r.pick(FIRST))} ${cap(r.pick(LAST))}`; break;
      case 2: o.address = { street: `${r.int(1, 250)} ${r.pick(STREETS)}`, city: r.pick(CITIES), postalCode: r.digits(5), country: r.pick(['DE', 'FR', 'US', 'CA', 'GB', 'JP']) }; break;
      case 3: o.amount = { value: Number((r.next() * 1000).toFixed(2)), currency: r.pick(['EUR', 'USD', 'GBP']) }; break;
      case 4: o.createdAt = new Date(1.7e12 + r.int(0, 3e10)).toISOString(); break;
      case 5: o.tags = [r.pick(WORDS), r.pick(WORDS)]; break;
      case 6: o.quantity = r.int(1, 20); break;
      case 7: o.description = r.pick(SENTENCES); break;
      case 8: o.id = uuid(r); break;
      case 9: o.url = `https://api.example.com/v1/${r.pick(['orders', 'users', 'items'])}/${r.int(1, 99999)}`; break;
      case 10: o.enabled = r.chance(0.5); break;
      case 11: o.items = Array.from({ length: r.int(1, 3) }, () => ({ sku: `SKU-${r.digits(6)}`, qty: r.int(1, 5), unitPrice: Number((r.next() * 100).toFixed(2)), title: `${cap(r.pick(WORDS))} ${r.pick(['shirt', 'mug', 'lamp', 'book'])}` })); break;
      case 12: if (depth < 2) o.meta = background(r, depth + 1); break;
      default: o.updatedAt = 1.7e12 + r.int(0, 3e10); break;
    }
  }
  return o;
}

const CONTAINERS = ['user', 'customer', 'account', 'profile', 'payment', 'billing', 'data', 'result', 'config', 'settings', 'contact', 'owner', 'payload', 'record'];
const KINDS = ['user', 'payment', 'order', 'log', 'config', 'list'];

/**
 * Generates `n` labelled samples (deterministic for a seed). `plants: false` gives the same kind of
 * bodies with nothing planted (no positives, lookalikes or decoys), for the speed comparison.
 */
export function generate(n: number, seed = 42, options: { plants?: boolean } = {}): Sample[] {
  const plant = options.plants ?? true;
  const r = new Rng(seed);
  const out: Sample[] = [];
  for (let id = 0; id < n; id++) {
    const kind = r.pick(KINDS);
    const root: Record<string, unknown> = background(r, 0);
    const labels: Label[] = [];
    // where to put things: the root, a container object, or an array of containers
    const slots: Array<{ obj: Record<string, unknown>; path: string }> = [{ obj: root, path: '' }];
    const nc = r.int(1, 3);
    for (let c = 0; c < nc; c++) {
      const name = r.pick(CONTAINERS);
      if (root[name] !== undefined || root[name + 's'] !== undefined) continue;
      if (kind === 'list' || r.chance(0.3)) {
        const arr = Array.from({ length: r.int(1, 3) }, () => background(r, 1));
        root[name + 's'] = arr;
        arr.forEach((o, i) => slots.push({ obj: o, path: `${name}s.${i}` }));
      } else {
        const o = background(r, 1);
        root[name] = o;
        slots.push({ obj: o, path: name });
      }
    }
    const put = (slot: { obj: Record<string, unknown>; path: string }, key: string, value: unknown, type: string, lk: LabelKind) => {
      let k = key;
      while (slot.obj[k] !== undefined) k = key + r.int(2, 9);
      slot.obj[k] = value;
      labels.push({ field: slot.path ? `${slot.path}.${k}` : k, type, kind: lk, value: String(value) });
    };
    const positives = plant ? r.int(2, 5) : 0;
    for (let i = 0; i < positives; i++) {
      const p = r.pick(PLANTS);
      const slot = r.pick(slots);
      const v = p.gen(r);
      if (p.text && r.chance(0.2)) put(slot, r.pick(['note', 'message', 'comment', 'description', 'details', 'logLine']), p.text(v, r), p.type, 'positive');
      else put(slot, r.pick(p.names), v, p.type, 'positive');
    }
    if (plant && r.chance(0.6)) {
      const p = r.pick(PLANTS.filter((x) => x.neg));
      put(r.pick(slots), r.pick(p.names), p.neg!(r), p.type, 'negative');
    }
    const decoys = plant ? r.int(1, 3) : 0;
    for (let i = 0; i < decoys; i++) {
      const [names, gen] = r.pick(DECOYS);
      put(r.pick(slots), r.pick(names), gen(r), 'DECOY', 'decoy');
    }
    const body = r.chance(0.5) ? JSON.stringify(root) : JSON.stringify(root, null, 2);
    out.push({ id, kind, body, labels });
  }
  return out;
}
