// Checksums and format rules the detectors use. Pure computation.

/** Luhn (mod 10) over the digits of `s` (other characters ignored). */
export function luhn(s: string): boolean {
  let sum = 0;
  let dbl = false;
  let n = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) continue;
    n++;
    let d = c;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return n > 0 && sum % 10 === 0;
}

/** Card brand by issuer range (IIN) and length, or null. `d` is digits only. */
export function cardBrand(d: string): string | null {
  const len = d.length;
  if (len < 12) return null;
  const c = (i: number) => d.charCodeAt(i) - 48;
  const p1 = c(0);
  const p2 = p1 * 10 + c(1);
  const p3 = p2 * 10 + c(2);
  const p4 = p3 * 10 + c(3);
  const p6 = (p4 * 10 + c(4)) * 10 + c(5);
  if (p1 === 4 && (len === 13 || len === 16 || len === 19)) return 'visa';
  if (((p2 >= 51 && p2 <= 55) || (p6 >= 222100 && p6 <= 272099)) && len === 16) return 'mastercard';
  if ((p2 === 34 || p2 === 37) && len === 15) return 'amex';
  if ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && len >= 16 && len <= 19) return 'discover';
  if (p4 >= 3528 && p4 <= 3589 && len >= 16 && len <= 19) return 'jcb';
  if ((p2 === 36 || p2 === 38 || p2 === 39 || (p3 >= 300 && p3 <= 305)) && len >= 14 && len <= 19) return 'diners';
  if (p2 === 62 && len >= 16 && len <= 19) return 'unionpay';
  if ((p4 === 5018 || p4 === 5020 || p4 === 5038 || p4 === 5893 || p4 === 6304 || p4 === 6759 || p4 === 6761 || p4 === 6762 || p4 === 6763) && len >= 12 && len <= 19) return 'maestro';
  if (p4 >= 2200 && p4 <= 2204 && len >= 16 && len <= 19) return 'mir';
  return null;
}

/** IBAN lengths per country (ISO 13616 registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/** IBAN: country length and mod-97 == 1. `s` is the compact upper-case form. */
export function ibanValid(s: string): boolean {
  if (IBAN_LENGTHS[s.slice(0, 2)] !== s.length) return false;
  const check = s.slice(2, 4);
  if (check === '00' || check === '01' || check === '99') return false;
  let rem = 0;
  for (let k = 0; k < s.length; k++) {
    const i = (k + 4) % s.length;
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** US SSN rules: area not 000, 666 or 900-999; group not 00; serial not 0000. `d` = 9 digits. */
export function ssnValid(d: string): boolean {
  if (d.length !== 9) return false;
  const c = (i: number) => d.charCodeAt(i) - 48;
  const area = c(0) * 100 + c(1) * 10 + c(2);
  const group = c(3) * 10 + c(4);
  const serial = c(5) * 1000 + c(6) * 100 + c(7) * 10 + c(8);
  if (area === 0 || area === 666 || area >= 900) return false;
  if (group === 0 || serial === 0) return false;
  // Well-known advertising / sample numbers.
  if (d === '078051120' || d === '219099999' || d === '123456789') return false;
  return true;
}

/** ABA routing number checksum (3-7-1 weights), first two digits in a valid Federal Reserve range. */
export function abaValid(d: string): boolean {
  if (d.length !== 9) return false;
  const p = Number(d.slice(0, 2));
  if (!((p >= 0 && p <= 12) || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p === 80)) return false;
  const w = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (d.charCodeAt(i) - 48) * w[i % 3]!;
  return sum % 10 === 0 && d !== '000000000';
}

/** Canadian SIN: 9 digits, Luhn, first digit not 0 or 8. */
export function sinValid(d: string): boolean {
  return d.length === 9 && d[0] !== '0' && d[0] !== '8' && luhn(d);
}

/** UK National Insurance number format (HMRC rules on prefix letters and suffix). `s` compact upper. */
export function ninoValid(s: string): boolean {
  if (s.length !== 9) return false;
  const a = s[0]!;
  const b = s[1]!;
  if ('DFIQUV'.includes(a) || 'DFIQUVO'.includes(b)) return false;
  if (!/^[A-Z]{2}[0-9]{6}[A-D]$/.test(s)) return false;
  const pre = s.slice(0, 2);
  if (['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ'].includes(pre)) return false;
  return true;
}

// ---- SHA-256 for short inputs (Bitcoin's double SHA-256 over 21 and 32 bytes): in JS, because the
// call into node:crypto costs more than hashing one block here.
const K256 = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const W256 = new Int32Array(64);

/** SHA-256 of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
  const blocks = Math.ceil((data.length + 9) / 64);
  const m = new Uint8Array(blocks * 64);
  m.set(data);
  m[data.length] = 0x80;
  const bits = data.length * 8;
  m[m.length - 4] = (bits >>> 24) & 0xff;
  m[m.length - 3] = (bits >>> 16) & 0xff;
  m[m.length - 2] = (bits >>> 8) & 0xff;
  m[m.length - 1] = bits & 0xff;
  let h0 = 0x6a09e667 | 0, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372 | 0, h3 = 0xa54ff53a | 0;
  let h4 = 0x510e527f | 0, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab | 0, h7 = 0x5be0cd19 | 0;
  const w = W256;
  for (let off = 0; off < m.length; off += 64) {
    for (let i = 0; i < 16; i++) {
      const k = off + i * 4;
      w[i] = (m[k]! << 24) | (m[k + 1]! << 16) | (m[k + 2]! << 8) | m[k + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!, y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K256[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  const out = new Uint8Array(32);
  const hs = [h0, h1, h2, h3, h4, h5, h6, h7];
  for (let i = 0; i < 8; i++) {
    out[i * 4] = hs[i]! >>> 24;
    out[i * 4 + 1] = (hs[i]! >>> 16) & 0xff;
    out[i * 4 + 2] = (hs[i]! >>> 8) & 0xff;
    out[i * 4 + 3] = hs[i]! & 0xff;
  }
  return out;
}

// ---- base58check (Bitcoin P2PKH / P2SH)
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B58.length; i++) B58_INDEX[B58.charCodeAt(i)] = i;

export function base58Decode(s: string): Uint8Array | null {
  // big-endian base-256 digits, most significant first; at most ~0.733 bytes per character
  const size = Math.ceil(s.length * 0.733) + 1;
  const b = new Uint8Array(size);
  let len = 0; // bytes in use, at the end of b
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let carry = c < 128 ? B58_INDEX[c]! : -1;
    if (carry < 0) return null;
    let j = 0;
    for (let k = size - 1; (carry !== 0 || j < len) && k >= 0; k--, j++) {
      carry += 58 * b[k]!;
      b[k] = carry & 0xff;
      carry >>= 8;
    }
    len = j;
  }
  let ones = 0;
  while (ones < s.length && s.charCodeAt(ones) === 49) ones++;
  const out = new Uint8Array(ones + len);
  out.set(b.subarray(size - len), ones);
  return out;
}

export function base58CheckValid(s: string): boolean {
  const b = base58Decode(s);
  if (!b || b.length !== 25) return false;
  if (b[0] !== 0x00 && b[0] !== 0x05) return false;
  const payload = b.subarray(0, 21);
  const h = sha256(sha256(payload));
  return h[0] === b[21] && h[1] === b[22] && h[2] === b[23] && h[3] === b[24];
}

// ---- bech32 / bech32m (BIP 173 / BIP 350) segwit addresses
const BECH = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function bechPolymod(values: number[]): number {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = (((chk & 0x1ffffff) << 5) ^ v) >>> 0;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk = (chk ^ G[i]!) >>> 0;
  }
  return chk;
}

export function bech32AddressValid(addr: string): boolean {
  if (addr !== addr.toLowerCase() && addr !== addr.toUpperCase()) return false;
  const s = addr.toLowerCase();
  const pos = s.lastIndexOf('1');
  if (pos < 1 || pos + 7 > s.length || s.length > 90) return false;
  const hrp = s.slice(0, pos);
  if (hrp !== 'bc' && hrp !== 'tb') return false;
  const data: number[] = [];
  for (let i = pos + 1; i < s.length; i++) {
    const v = BECH.indexOf(s[i]!);
    if (v < 0) return false;
    data.push(v);
  }
  const exp: number[] = [];
  for (let i = 0; i < hrp.length; i++) exp.push(hrp.charCodeAt(i) >> 5);
  exp.push(0);
  for (let i = 0; i < hrp.length; i++) exp.push(hrp.charCodeAt(i) & 31);
  const pm = bechPolymod([...exp, ...data]);
  const witver = data[0]!;
  if (witver === 0) return pm === 1 && (data.length - 7 === 32 || data.length - 7 === 52);
  return pm === 0x2bc830a3 && witver <= 16;
}

// ---- Keccak-256 (the pre-standard SHA-3 Ethereum uses), for EIP-55 checksums only.
// 64-bit lanes as (lo, hi) 32-bit halves in a Uint32Array.
const RC_LO = new Int32Array([
  0x00000001, 0x00008082, 0x0000808a, 0x80008000, 0x0000808b, 0x80000001, 0x80008081, 0x00008009, 0x0000008a, 0x00000088, 0x80008009, 0x8000000a,
  0x8000808b, 0x0000008b, 0x00008089, 0x00008003, 0x00008002, 0x00000080, 0x0000800a, 0x8000000a, 0x80008081, 0x00008080, 0x80000001, 0x80008008,
]);
const RC_HI = new Int32Array([
  0x00000000, 0x00000000, 0x80000000, 0x80000000, 0x00000000, 0x00000000, 0x80000000, 0x80000000, 0x00000000, 0x00000000, 0x00000000, 0x00000000,
  0x00000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x80000000, 0x00000000, 0x80000000, 0x80000000, 0x80000000, 0x00000000, 0x80000000,
]);

// Keccak-f[1600], unrolled (generated from the reference loops: theta, rho and pi, chi, iota),
// each 64-bit lane as two 32-bit halves in local variables.
function keccakF(st: Int32Array): void {
  let l0 = st[0]!, h0 = st[1]!; let l1 = st[2]!, h1 = st[3]!; let l2 = st[4]!, h2 = st[5]!; let l3 = st[6]!, h3 = st[7]!; let l4 = st[8]!, h4 = st[9]!; let l5 = st[10]!, h5 = st[11]!; let l6 = st[12]!, h6 = st[13]!; let l7 = st[14]!, h7 = st[15]!; let l8 = st[16]!, h8 = st[17]!; let l9 = st[18]!, h9 = st[19]!; let l10 = st[20]!, h10 = st[21]!; let l11 = st[22]!, h11 = st[23]!; let l12 = st[24]!, h12 = st[25]!; let l13 = st[26]!, h13 = st[27]!; let l14 = st[28]!, h14 = st[29]!; let l15 = st[30]!, h15 = st[31]!; let l16 = st[32]!, h16 = st[33]!; let l17 = st[34]!, h17 = st[35]!; let l18 = st[36]!, h18 = st[37]!; let l19 = st[38]!, h19 = st[39]!; let l20 = st[40]!, h20 = st[41]!; let l21 = st[42]!, h21 = st[43]!; let l22 = st[44]!, h22 = st[45]!; let l23 = st[46]!, h23 = st[47]!; let l24 = st[48]!, h24 = st[49]!;
  for (let round = 0; round < 24; round++) {
    const cl0 = l0 ^ l5 ^ l10 ^ l15 ^ l20;
    const ch0 = h0 ^ h5 ^ h10 ^ h15 ^ h20;
    const cl1 = l1 ^ l6 ^ l11 ^ l16 ^ l21;
    const ch1 = h1 ^ h6 ^ h11 ^ h16 ^ h21;
    const cl2 = l2 ^ l7 ^ l12 ^ l17 ^ l22;
    const ch2 = h2 ^ h7 ^ h12 ^ h17 ^ h22;
    const cl3 = l3 ^ l8 ^ l13 ^ l18 ^ l23;
    const ch3 = h3 ^ h8 ^ h13 ^ h18 ^ h23;
    const cl4 = l4 ^ l9 ^ l14 ^ l19 ^ l24;
    const ch4 = h4 ^ h9 ^ h14 ^ h19 ^ h24;
    const dl0 = cl4 ^ ((cl1 << 1) | (ch1 >>> 31));
    const dh0 = ch4 ^ ((ch1 << 1) | (cl1 >>> 31));
    const dl1 = cl0 ^ ((cl2 << 1) | (ch2 >>> 31));
    const dh1 = ch0 ^ ((ch2 << 1) | (cl2 >>> 31));
    const dl2 = cl1 ^ ((cl3 << 1) | (ch3 >>> 31));
    const dh2 = ch1 ^ ((ch3 << 1) | (cl3 >>> 31));
    const dl3 = cl2 ^ ((cl4 << 1) | (ch4 >>> 31));
    const dh3 = ch2 ^ ((ch4 << 1) | (cl4 >>> 31));
    const dl4 = cl3 ^ ((cl0 << 1) | (ch0 >>> 31));
    const dh4 = ch3 ^ ((ch0 << 1) | (cl0 >>> 31));
    l0 ^= dl0;
    h0 ^= dh0;
    l5 ^= dl0;
    h5 ^= dh0;
    l10 ^= dl0;
    h10 ^= dh0;
    l15 ^= dl0;
    h15 ^= dh0;
    l20 ^= dl0;
    h20 ^= dh0;
    l1 ^= dl1;
    h1 ^= dh1;
    l6 ^= dl1;
    h6 ^= dh1;
    l11 ^= dl1;
    h11 ^= dh1;
    l16 ^= dl1;
    h16 ^= dh1;
    l21 ^= dl1;
    h21 ^= dh1;
    l2 ^= dl2;
    h2 ^= dh2;
    l7 ^= dl2;
    h7 ^= dh2;
    l12 ^= dl2;
    h12 ^= dh2;
    l17 ^= dl2;
    h17 ^= dh2;
    l22 ^= dl2;
    h22 ^= dh2;
    l3 ^= dl3;
    h3 ^= dh3;
    l8 ^= dl3;
    h8 ^= dh3;
    l13 ^= dl3;
    h13 ^= dh3;
    l18 ^= dl3;
    h18 ^= dh3;
    l23 ^= dl3;
    h23 ^= dh3;
    l4 ^= dl4;
    h4 ^= dh4;
    l9 ^= dl4;
    h9 ^= dh4;
    l14 ^= dl4;
    h14 ^= dh4;
    l19 ^= dl4;
    h19 ^= dh4;
    l24 ^= dl4;
    h24 ^= dh4;
    const bl0 = l0, bh0 = h0;
    const bl16 = (h5 << 4) | (l5 >>> 28), bh16 = (l5 << 4) | (h5 >>> 28);
    const bl7 = (l10 << 3) | (h10 >>> 29), bh7 = (h10 << 3) | (l10 >>> 29);
    const bl23 = (h15 << 9) | (l15 >>> 23), bh23 = (l15 << 9) | (h15 >>> 23);
    const bl14 = (l20 << 18) | (h20 >>> 14), bh14 = (h20 << 18) | (l20 >>> 14);
    const bl10 = (l1 << 1) | (h1 >>> 31), bh10 = (h1 << 1) | (l1 >>> 31);
    const bl1 = (h6 << 12) | (l6 >>> 20), bh1 = (l6 << 12) | (h6 >>> 20);
    const bl17 = (l11 << 10) | (h11 >>> 22), bh17 = (h11 << 10) | (l11 >>> 22);
    const bl8 = (h16 << 13) | (l16 >>> 19), bh8 = (l16 << 13) | (h16 >>> 19);
    const bl24 = (l21 << 2) | (h21 >>> 30), bh24 = (h21 << 2) | (l21 >>> 30);
    const bl20 = (h2 << 30) | (l2 >>> 2), bh20 = (l2 << 30) | (h2 >>> 2);
    const bl11 = (l7 << 6) | (h7 >>> 26), bh11 = (h7 << 6) | (l7 >>> 26);
    const bl2 = (h12 << 11) | (l12 >>> 21), bh2 = (l12 << 11) | (h12 >>> 21);
    const bl18 = (l17 << 15) | (h17 >>> 17), bh18 = (h17 << 15) | (l17 >>> 17);
    const bl9 = (h22 << 29) | (l22 >>> 3), bh9 = (l22 << 29) | (h22 >>> 3);
    const bl5 = (l3 << 28) | (h3 >>> 4), bh5 = (h3 << 28) | (l3 >>> 4);
    const bl21 = (h8 << 23) | (l8 >>> 9), bh21 = (l8 << 23) | (h8 >>> 9);
    const bl12 = (l13 << 25) | (h13 >>> 7), bh12 = (h13 << 25) | (l13 >>> 7);
    const bl3 = (l18 << 21) | (h18 >>> 11), bh3 = (h18 << 21) | (l18 >>> 11);
    const bl19 = (h23 << 24) | (l23 >>> 8), bh19 = (l23 << 24) | (h23 >>> 8);
    const bl15 = (l4 << 27) | (h4 >>> 5), bh15 = (h4 << 27) | (l4 >>> 5);
    const bl6 = (l9 << 20) | (h9 >>> 12), bh6 = (h9 << 20) | (l9 >>> 12);
    const bl22 = (h14 << 7) | (l14 >>> 25), bh22 = (l14 << 7) | (h14 >>> 25);
    const bl13 = (l19 << 8) | (h19 >>> 24), bh13 = (h19 << 8) | (l19 >>> 24);
    const bl4 = (l24 << 14) | (h24 >>> 18), bh4 = (h24 << 14) | (l24 >>> 18);
    l0 = bl0 ^ (~bl1 & bl2);
    h0 = bh0 ^ (~bh1 & bh2);
    l1 = bl1 ^ (~bl2 & bl3);
    h1 = bh1 ^ (~bh2 & bh3);
    l2 = bl2 ^ (~bl3 & bl4);
    h2 = bh2 ^ (~bh3 & bh4);
    l3 = bl3 ^ (~bl4 & bl0);
    h3 = bh3 ^ (~bh4 & bh0);
    l4 = bl4 ^ (~bl0 & bl1);
    h4 = bh4 ^ (~bh0 & bh1);
    l5 = bl5 ^ (~bl6 & bl7);
    h5 = bh5 ^ (~bh6 & bh7);
    l6 = bl6 ^ (~bl7 & bl8);
    h6 = bh6 ^ (~bh7 & bh8);
    l7 = bl7 ^ (~bl8 & bl9);
    h7 = bh7 ^ (~bh8 & bh9);
    l8 = bl8 ^ (~bl9 & bl5);
    h8 = bh8 ^ (~bh9 & bh5);
    l9 = bl9 ^ (~bl5 & bl6);
    h9 = bh9 ^ (~bh5 & bh6);
    l10 = bl10 ^ (~bl11 & bl12);
    h10 = bh10 ^ (~bh11 & bh12);
    l11 = bl11 ^ (~bl12 & bl13);
    h11 = bh11 ^ (~bh12 & bh13);
    l12 = bl12 ^ (~bl13 & bl14);
    h12 = bh12 ^ (~bh13 & bh14);
    l13 = bl13 ^ (~bl14 & bl10);
    h13 = bh13 ^ (~bh14 & bh10);
    l14 = bl14 ^ (~bl10 & bl11);
    h14 = bh14 ^ (~bh10 & bh11);
    l15 = bl15 ^ (~bl16 & bl17);
    h15 = bh15 ^ (~bh16 & bh17);
    l16 = bl16 ^ (~bl17 & bl18);
    h16 = bh16 ^ (~bh17 & bh18);
    l17 = bl17 ^ (~bl18 & bl19);
    h17 = bh17 ^ (~bh18 & bh19);
    l18 = bl18 ^ (~bl19 & bl15);
    h18 = bh18 ^ (~bh19 & bh15);
    l19 = bl19 ^ (~bl15 & bl16);
    h19 = bh19 ^ (~bh15 & bh16);
    l20 = bl20 ^ (~bl21 & bl22);
    h20 = bh20 ^ (~bh21 & bh22);
    l21 = bl21 ^ (~bl22 & bl23);
    h21 = bh21 ^ (~bh22 & bh23);
    l22 = bl22 ^ (~bl23 & bl24);
    h22 = bh22 ^ (~bh23 & bh24);
    l23 = bl23 ^ (~bl24 & bl20);
    h23 = bh23 ^ (~bh24 & bh20);
    l24 = bl24 ^ (~bl20 & bl21);
    h24 = bh24 ^ (~bh20 & bh21);
    l0 ^= RC_LO[round]!;
    h0 ^= RC_HI[round]!;
  }
  st[0] = l0; st[1] = h0; st[2] = l1; st[3] = h1; st[4] = l2; st[5] = h2; st[6] = l3; st[7] = h3; st[8] = l4; st[9] = h4; st[10] = l5; st[11] = h5; st[12] = l6; st[13] = h6; st[14] = l7; st[15] = h7; st[16] = l8; st[17] = h8; st[18] = l9; st[19] = h9; st[20] = l10; st[21] = h10; st[22] = l11; st[23] = h11; st[24] = l12; st[25] = h12; st[26] = l13; st[27] = h13; st[28] = l14; st[29] = h14; st[30] = l15; st[31] = h15; st[32] = l16; st[33] = h16; st[34] = l17; st[35] = h17; st[36] = l18; st[37] = h18; st[38] = l19; st[39] = h19; st[40] = l20; st[41] = h20; st[42] = l21; st[43] = h21; st[44] = l22; st[45] = h22; st[46] = l23; st[47] = h23; st[48] = l24; st[49] = h24;
}

/** Keccak-256 state after absorbing `data`: the digest is its first 32 bytes (little-endian lanes). */
function keccakState(data: Uint8Array): Int32Array {
  const rate = 136;
  const padded = new Uint8Array(Math.ceil((data.length + 1) / rate) * rate);
  padded.set(data);
  padded[data.length] ^= 0x01;
  padded[padded.length - 1]! ^= 0x80;
  const st = new Int32Array(50);
  for (let off = 0; off < padded.length; off += rate) {
    for (let i = 0; i < rate / 4; i++) {
      const k = off + i * 4;
      st[i] ^= padded[k]! | (padded[k + 1]! << 8) | (padded[k + 2]! << 16) | (padded[k + 3]! << 24);
    }
    keccakF(st);
  }
  return st;
}

/** Keccak-256 of `data` (hex digest). */
export function keccak256(data: Uint8Array): string {
  const st = keccakState(data);
  let hex = '';
  for (let i = 0; i < 8; i++) {
    const w = st[i]!;
    for (let k = 0; k < 4; k++) hex += ((w >>> (8 * k)) & 0xff).toString(16).padStart(2, '0');
  }
  return hex;
}

/** Ethereum address: all-lower or all-upper hex accepted; mixed case must match EIP-55. `hex40` without 0x. */
export function ethAddressValid(hex40: string): boolean {
  if (hex40.length !== 40) return false;
  let lower = false, upper = false;
  const bytes = new Uint8Array(40);
  for (let i = 0; i < 40; i++) {
    let c = hex40.charCodeAt(i);
    if (c >= 97 && c <= 102) lower = true;
    else if (c >= 65 && c <= 70) {
      upper = true;
      c += 32;
    } else if (c < 48 || c > 57) return false;
    bytes[i] = c;
  }
  if (!(lower && upper)) return true;
  const st = keccakState(bytes);
  for (let i = 0; i < 40; i++) {
    const c = hex40.charCodeAt(i);
    if (c <= 57) continue;
    // nibble i of the digest: byte i >> 1 (lane (i >> 3), byte (i >> 1) & 3), high nibble first
    const byte = (st[i >> 3]! >>> (8 * ((i >> 1) & 3))) & 0xff;
    const nibble = i & 1 ? byte & 0x0f : byte >> 4;
    if ((nibble >= 8) !== (c <= 70)) return false;
  }
  return true;
}

const COUNTS = new Int32Array(65536);

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) COUNTS[s.charCodeAt(i)]!++;
  let e = 0;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const k = COUNTS[c]!;
    if (k === 0) continue;
    const p = k / n;
    e -= p * Math.log2(p);
    COUNTS[c] = 0;
  }
  return e;
}
