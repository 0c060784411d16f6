// Realistic values for path parameters, chosen by the parameter's name, type, format and enum.
// Every parameter gets a pool of values, drawn with a long-tail (Zipf) distribution, so popular
// users/ids recur the way they do in real traffic.

import { hash, int, pick, rng, Zipf, type Rng } from './random.ts';

export interface ParamSpec {
  name: string;
  type?: string;
  format?: string;
  enum?: unknown[];
}

const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent', 'victor', 'walter', 'maria', 'jose', 'wei', 'yuki', 'amir', 'fatima', 'olga', 'lars', 'priya', 'kwame', 'sofia', 'liam', 'noah', 'emma', 'mia', 'lucas', 'chen', 'anna', 'omar', 'zoe', 'raj', 'nina', 'paul', 'sara'];
const LAST = ['smith', 'jones', 'garcia', 'miller', 'davis', 'lopez', 'wilson', 'anderson', 'thomas', 'taylor', 'moore', 'martin', 'lee', 'perez', 'white', 'harris', 'clark', 'lewis', 'walker', 'hall', 'young', 'king', 'wright', 'scott', 'green', 'baker', 'adams', 'nelson', 'hill', 'campbell', 'mitchell', 'roberts', 'kim', 'nguyen', 'patel', 'mueller', 'rossi', 'silva', 'sato', 'kowalski'];
const ADJ = ['blue', 'red', 'green', 'quick', 'silent', 'bright', 'dark', 'happy', 'lucky', 'brave', 'calm', 'eager', 'fancy', 'gentle', 'jolly', 'kind', 'lively', 'proud', 'shiny', 'wild', 'summer', 'winter', 'spring', 'autumn', 'north', 'south', 'east', 'west', 'prod', 'staging', 'dev', 'test', 'main', 'legacy', 'new', 'old', 'big', 'small', 'global', 'local'];
const NOUN = ['river', 'mountain', 'forest', 'ocean', 'falcon', 'tiger', 'widget', 'gadget', 'sprocket', 'engine', 'server', 'cluster', 'portal', 'bridge', 'harbor', 'garden', 'castle', 'rocket', 'comet', 'planet', 'report', 'invoice', 'order', 'campaign', 'project', 'pipeline', 'bucket', 'vault', 'store', 'shop', 'market', 'studio', 'team', 'office', 'school', 'library', 'museum', 'kitchen', 'festival', 'journey'];
const WORDS = ['coffee', 'weather', 'music', 'pizza', 'travel', 'news', 'sports', 'health', 'science', 'history', 'football', 'climate', 'election', 'economy', 'movies', 'books', 'art', 'design', 'finance', 'energy'];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'JP', 'CN', 'IN', 'BR', 'CA', 'AU', 'ES', 'IT', 'NL', 'SE', 'MX', 'KR', 'ZA', 'NG', 'AR', 'PL'];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CNY', 'INR', 'BRL', 'CAD', 'AUD', 'CHF', 'SEK', 'MXN'];
const LANGS = ['en', 'fr', 'de', 'es', 'it', 'ja', 'zh', 'pt', 'ru', 'ko', 'en-US', 'en-GB', 'pt-BR', 'fr-CA'];
const TLDS = ['com', 'org', 'net', 'io', 'co.uk', 'de'];
const B62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEXC = '0123456789abcdef';

function chars(r: Rng, alphabet: string, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(r() * alphabet.length)];
  return s;
}

function uuid(r: Rng): string {
  const h = chars(r, HEXC, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[int(r, 0, 3)]}${h.slice(17, 20)}-${h.slice(20)}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function date(r: Rng): string {
  return `${int(r, 2015, 2026)}-${pad(int(r, 1, 12))}-${pad(int(r, 1, 28))}`;
}

function username(r: Rng): string {
  const f = pick(r, FIRST);
  const l = pick(r, LAST);
  switch (int(r, 0, 5)) {
    case 0: return f;
    case 1: return `${f}.${l}`;
    case 2: return `${f[0]}${l}`;
    case 3: return `${f}_${l}`;
    case 4: return `${f}${l[0]}`;
    default: return `${f}${int(r, 1, 99)}`;
  }
}

/** Names people give things: resource groups, workspaces, machines, slugs, titles. */
function resourceName(r: Rng): string {
  switch (int(r, 0, 5)) {
    case 0: return `${pick(r, ADJ)}-${pick(r, NOUN)}`;
    case 1: return `${pick(r, NOUN)}-${pick(r, ADJ)}-${pad(int(r, 1, 30))}`;
    case 2: return `${pick(r, ADJ)}${pick(r, NOUN)}`;
    case 3: return `${pick(r, ADJ)}-${pick(r, NOUN)}-${pick(r, NOUN)}`;
    case 4: return `${pick(r, NOUN)}${int(r, 1, 9)}`;
    default: return `${pick(r, ADJ)}_${pick(r, NOUN)}`;
  }
}

type Style = 'numeric' | 'uuid' | 'hex24' | 'b62short' | 'b62long' | 'prefixed';
const ID_STYLES: Style[] = ['numeric', 'numeric', 'numeric', 'uuid', 'uuid', 'uuid', 'hex24', 'b62short', 'b62long', 'prefixed'];

function idOf(r: Rng, style: Style, prefix: string): string {
  switch (style) {
    case 'numeric': return String(int(r, 1, 9_999_999));
    case 'uuid': return uuid(r);
    case 'hex24': return chars(r, HEXC, 24);
    case 'b62short': return chars(r, B62, 12);
    case 'b62long': return chars(r, B62, int(r, 20, 44));
    case 'prefixed': return `${prefix}_${chars(r, B62, 14)}`;
  }
}

/** The kind of value a parameter gets, by name / type / format. */
export function kindOf(p: ParamSpec): string {
  const n = p.name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (p.enum && p.enum.length > 0) return 'enum';
  if (p.type === 'boolean') return 'boolean';
  if (p.format === 'uuid' || /uuid|guid/.test(n)) return 'uuid';
  if (p.format === 'date-time' || /datetime|timestamp/.test(n)) return 'datetime';
  if (p.format === 'date' || /date$/.test(n)) return 'date';
  if (/^(yyyy|year)$/.test(n)) return 'year';
  if (/^(mm|month)$/.test(n)) return 'month';
  if (/^(dd|day)$/.test(n)) return 'day';
  if (/email/.test(n)) return 'email';
  if (/(page|pageno|number|num|seq|index|count|period|offset|limit)$/.test(n) && (p.type === 'integer' || p.type === 'number' || /page|number|seq/.test(n))) return 'small-int';
  if (p.type === 'integer' || p.type === 'number') return 'int-id';
  if (/(url|uri)$/.test(n)) return 'url';
  if (/(website|domain)$/.test(n)) return 'domain';
  if (/(country)/.test(n)) return 'country';
  if (/(currency)/.test(n)) return 'currency';
  if (/(lang|locale|language)/.test(n)) return 'lang';
  if (/^(q|query|keyword|term|search|itemkeyword)$/.test(n)) return 'words';
  if (/(user|owner|login|author|member|customer)(name)?$/.test(n) && !/id$/.test(n)) return 'username';
  if (/id$/.test(n) || p.format === 'int64' || p.format === 'int32') return 'string-id';
  if (/(letter)$/.test(n)) return 'letter';
  if (/(code|symbol|type|status|part|extension)$/.test(n)) return 'code';
  return 'name';
}

const POOL = 600;

/** Values for one parameter of one spec: a pool drawn from with Zipf(1.0). */
export class ValueSource {
  private readonly pool: string[];
  private readonly zipf: Zipf | null;
  private readonly r: Rng;

  constructor(spec: string, p: ParamSpec) {
    const seed = hash(`${spec}|${p.name}|${p.type ?? ''}|${p.format ?? ''}`);
    this.r = rng(seed);
    const r = rng(seed ^ 0x9e3779b9);
    const kind = kindOf(p);
    const unique = (make: () => string, n: number) => {
      const s = new Set<string>();
      for (let i = 0; i < n * 4 && s.size < n; i++) s.add(make());
      return [...s];
    };
    const style = ID_STYLES[seed % ID_STYLES.length]!;
    const prefix = p.name.replace(/[^A-Za-z]/g, '').replace(/Id$/i, '').slice(0, 3).toLowerCase() || 'obj';
    switch (kind) {
      case 'enum': this.pool = p.enum!.map(String); break;
      case 'boolean': this.pool = ['true', 'false']; break;
      case 'uuid': this.pool = unique(() => uuid(r), POOL); break;
      case 'datetime': this.pool = unique(() => `${date(r)}T${pad(int(r, 0, 23))}:${pad(int(r, 0, 59))}:${pad(int(r, 0, 59))}Z`, POOL); break;
      case 'date': this.pool = unique(() => date(r), POOL); break;
      case 'year': this.pool = Array.from({ length: 12 }, (_, i) => String(2026 - i)); break;
      case 'month': this.pool = Array.from({ length: 12 }, (_, i) => pad(i + 1)); break;
      case 'day': this.pool = Array.from({ length: 28 }, (_, i) => pad(i + 1)); break;
      case 'email': this.pool = unique(() => `${username(r)}@${pick(r, NOUN)}.${pick(r, TLDS)}`, POOL); break;
      case 'small-int': this.pool = Array.from({ length: 40 }, (_, i) => String(i + 1)); break;
      case 'int-id': this.pool = unique(() => String(int(r, 1, 9_999_999)), POOL); break;
      case 'url': this.pool = unique(() => `https://www.${pick(r, ADJ)}${pick(r, NOUN)}.${pick(r, TLDS)}/`, POOL); break;
      case 'domain': this.pool = unique(() => `${pick(r, ADJ)}${pick(r, NOUN)}.${pick(r, TLDS)}`, POOL); break;
      case 'country': this.pool = COUNTRIES; break;
      case 'currency': this.pool = CURRENCIES; break;
      case 'lang': this.pool = LANGS; break;
      case 'words': this.pool = unique(() => (r() < 0.5 ? pick(r, WORDS) : `${pick(r, WORDS)} ${pick(r, WORDS)}`), 200); break;
      case 'username': this.pool = unique(() => username(r), POOL); break;
      case 'string-id': this.pool = unique(() => idOf(r, style, prefix), POOL); break;
      case 'letter': this.pool = 'abcdefghijklmnopqrstuvwxyz'.split(''); break;
      case 'code': this.pool = unique(() => (r() < 0.5 ? chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', int(r, 2, 4)) : `${pick(r, ADJ)}_${pick(r, NOUN)}`), 60); break;
      default: this.pool = unique(() => resourceName(r), POOL);
    }
    // Popular values first: the Zipf head is a random subset of the pool.
    for (let i = this.pool.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [this.pool[i], this.pool[j]] = [this.pool[j]!, this.pool[i]!];
    }
    this.zipf = kind === 'enum' || kind === 'boolean' ? null : new Zipf(this.pool.length, 1.0);
  }

  next(): string {
    const i = this.zipf ? this.zipf.sample(this.r) : Math.floor(this.r() * this.pool.length);
    return this.pool[i]!;
  }
}
