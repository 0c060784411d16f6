// Segment classification: the shape of one path segment, from its characters alone.
// Pure and deterministic.

/**
 * Shapes, from strongest evidence of "this is a value, not a name" to weakest:
 * - strong: int, uuid, objectid, hex, datetime, email, ip, encoded, token
 * - medium: date, alnum (letters mixed with digits)
 * - constant-like: version (v1, v2beta1, 1.0) never becomes a parameter by shape
 * - weak: word, slug, code, other (decided from sibling statistics only)
 */
export type Shape =
  | 'int' | 'uuid' | 'objectid' | 'hex' | 'datetime' | 'email' | 'ip' | 'encoded' | 'token'
  | 'date' | 'alnum' | 'domain'
  | 'version'
  | 'word' | 'slug' | 'code' | 'other' | 'empty';

export type Strength = 'strong' | 'medium' | 'weak' | 'constant';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const OBJECTID = /^[0-9a-f]{24}$/i;
const HEX = /^[0-9a-f]+$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const EMAIL = /^[^@\s/]+@[^@\s/]+\.[a-z]{2,}$/i;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}$/;
const ENCODED = /%[0-9a-f]{2}/i;
const VERSION = /^(v\d+([._]\d+)*([a-z]+\d*)?|\d+\.\d+(\.\d+)?)$/i;
const WORD = /^[a-z]+$/i;
/** Host names: labels ending in a common generic TLD or a two-letter country code. */
const DOMAIN = /^([a-z0-9-]+\.)+(com|org|net|io|co|info|biz|app|dev|ai|gov|edu|mil|int|cloud|online|site|xyz|[a-z]{2})$/i;
const SLUG = /^[a-z]+([-_.~][a-z]+)+$/i;
const CODE = /^([A-Z]{2,4}|[a-z]{2}[-_][A-Z]{2})$/;
const TOKENISH = /^[A-Za-z0-9_\-+=~.]+$/;

function count(s: string, re: RegExp): number {
  let n = 0;
  for (const ch of s) if (re.test(ch)) n++;
  return n;
}

function randomCase(piece: string): boolean {
  if (piece.length < 8 || !/^[A-Za-z]+$/.test(piece)) return false;
  const upper = count(piece, /[A-Z]/);
  const lower = piece.length - upper;
  if (upper < 2 || lower < 2) return false;
  // camelCase / PascalCase names: one capital per word (under 30% of letters), few case changes.
  let changes = 0;
  for (let i = 1; i < piece.length; i++) if ((piece[i]! < 'a') !== (piece[i - 1]! < 'a')) changes++;
  return upper / piece.length >= 0.3 && changes >= 2;
}

/** The shape of a whole segment (already percent-decoded or not: both work). */
export function classify(seg: string): Shape {
  if (seg === '') return 'empty';
  if (/^\d+$/.test(seg)) return seg.length <= 20 ? 'int' : 'token';
  if (UUID.test(seg)) return 'uuid';
  if (OBJECTID.test(seg)) return 'objectid';
  if (DATETIME.test(seg)) return 'datetime';
  if (DATE.test(seg)) return 'date';
  if (VERSION.test(seg)) return 'version';
  if (EMAIL.test(seg)) return 'email';
  if (IPV4.test(seg)) return 'ip';
  if (ENCODED.test(seg)) return 'encoded';
  if (DOMAIN.test(seg) && seg.includes('.')) return 'domain';
  const digits = count(seg, /[0-9]/);
  const letters = count(seg, /[a-z]/i);
  if (HEX.test(seg) && seg.length >= 8 && digits > 0 && letters > 0) return 'hex';
  if (TOKENISH.test(seg) && digits > 0 && letters > 0) {
    const upper = count(seg, /[A-Z]/);
    const lower = count(seg, /[a-z]/);
    // Long mixed strings (base64ish, random ids, API keys) are tokens.
    if (seg.length >= 16 && (digits >= 2 || (upper > 0 && lower > 0))) return 'token';
    if (seg.length >= 10 && digits >= 2 && upper > 0 && lower > 0) return 'token';
    return 'alnum';
  }
  // Random mixed case ("PTuDDRwiHoTZ", "ord_FbecEPqHsNgwMI") is an id; camelCase and PascalCase
  // names have few capitals, each starting a word.
  if (seg.split(/[-_.~]/).some(randomCase)) return 'token';
  if (CODE.test(seg)) return 'code';
  if (WORD.test(seg)) return 'word';
  if (SLUG.test(seg)) return 'slug';
  return 'other';
}

export function strength(shape: Shape): Strength {
  switch (shape) {
    case 'int': case 'uuid': case 'objectid': case 'hex': case 'datetime':
    case 'email': case 'ip': case 'encoded': case 'token':
      return 'strong';
    case 'date': case 'alnum': case 'domain':
      return 'medium';
    case 'version': case 'empty':
      return 'constant';
    default:
      return 'weak';
  }
}

/** The parameter type reported for a set of shapes seen at one position. */
export function paramType(shapes: Iterable<Shape>): string {
  const set = new Set(shapes);
  if (set.size === 1) {
    const [only] = set;
    switch (only) {
      case 'int': return 'integer';
      case 'uuid': return 'uuid';
      case 'objectid': return 'objectid';
      case 'hex': return 'hex';
      case 'date': return 'date';
      case 'datetime': return 'date-time';
      case 'email': return 'email';
      case 'ip': return 'ip';
      case 'token': return 'token';
      default: return 'string';
    }
  }
  if ([...set].every((s) => s === 'hex' || s === 'int' || s === 'objectid')) return 'hex';
  return 'string';
}

const VERB = /^([^:]+)(:[A-Za-z][A-Za-z0-9]*)$/;
const EXT = /^(.*[^.])\.([a-z][a-z0-9]{0,6})$/i;
/** File-format extensions: "{id}.json" keeps ".json" constant. Other dotted values (domains) stay whole. */
const FORMATS = new Set([
  'json', 'jsonp', 'geojson', 'xml', 'atom', 'rss', 'csv', 'tsv', 'txt', 'html', 'htm', 'pdf', 'png',
  'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'yaml', 'yml', 'js', 'css', 'zip', 'gz', 'tgz', 'tar',
  'mp3', 'mp4', 'wav', 'ics', 'kml', 'kmz', 'gpx', 'md', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx',
  'bin', 'proto', 'pb', 'avro', 'parquet', 'jar', 'wasm', 'm3u8', 'vcf',
]);

/**
 * Splits a partial segment into a variable core and a constant suffix: "123.json" ->
 * ["123", ".json"]. Segments whose whole shape is meaningful (e-mail, ip, version, date-time,
 * a domain-like value) are not split.
 */
export function splitSuffix(seg: string): [core: string, suffix: string] {
  // Custom methods: "{name}:verb" (Google API style, e.g. /spreadsheets/{id}:batchUpdate).
  const verb = VERB.exec(seg);
  if (verb) return [verb[1]!, verb[2]!];
  const m = EXT.exec(seg);
  if (!m) return [seg, ''];
  const whole = classify(seg);
  if (whole === 'email' || whole === 'ip' || whole === 'version' || whole === 'datetime') return [seg, ''];
  if (!FORMATS.has(m[2]!.toLowerCase())) return [seg, ''];
  return [m[1]!, '.' + m[2]!];
}
