// Where each item of a batch body starts and ends in its JSON text. The edge logs each accepted
// item as the capture sent it; for a batch, slicing the item's text out of the body costs a scan
// that jumps over strings (most of a transaction's bytes are base64) instead of a JSON.stringify
// of every parsed item (bench/bridge: a fifth of the edge's time on large batches).
//
// Only called on text that JSON.parse has already accepted, so the scan can trust the syntax.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** The index just past the string that opens at `i` (a quote). */
function stringEnd(text: string, i: number): number {
  for (let q = text.indexOf('"', i + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let slashes = 0;
    while (text.charCodeAt(q - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q + 1; // not escaped
  }
  throw new Error('unterminated string');
}

/** The index just past the value that starts at `i` (no leading whitespace). */
function valueEnd(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    // A number, true, false or null: up to the next delimiter.
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || isSpace(d)) break;
      i++;
    }
    return i;
  }
  let depth = 0;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === QUOTE) {
      i = stringEnd(text, i);
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if ((d === CLOSE_BRACE || d === CLOSE_BRACKET) && --depth === 0) return i + 1;
    i++;
  }
  throw new Error('unterminated value');
}

/** [start, end) of each element of the array that opens at `i`. */
function elementSpans(text: string, i: number): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) return spans;
  for (;;) {
    const end = valueEnd(text, i);
    spans.push([i, end]);
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== COMMA) return spans;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The spans of a batch's items in `text`, a body JSON.parse accepted: the elements of a bare
 * array, or of the object's `data` array (its last `data` key, as JSON.parse keeps). null when
 * there is no such array.
 */
export function batchItemSpans(text: string): Array<[number, number]> | null {
  let i = skipSpace(text, 0);
  const first = text.charCodeAt(i);
  if (first === OPEN_BRACKET) return elementSpans(text, i);
  if (first !== OPEN_BRACE) return null;
  let spans: Array<[number, number]> | null = null;
  i = skipSpace(text, i + 1);
  while (text.charCodeAt(i) === QUOTE) {
    const keyEnd = stringEnd(text, i);
    const raw = text.slice(i + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
    i = skipSpace(text, keyEnd);
    if (text.charCodeAt(i) !== COLON) return null;
    i = skipSpace(text, i + 1);
    const end = valueEnd(text, i);
    if (key === 'data') spans = text.charCodeAt(i) === OPEN_BRACKET ? elementSpans(text, i) : null;
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== COMMA) break;
    i = skipSpace(text, i + 1);
  }
  return spans;
}
