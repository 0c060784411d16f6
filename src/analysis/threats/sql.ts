// SQL injection: a SQL tokenizer (strings in their quote styles, numbers, operators, keywords,
// function calls, variables, comments, bareword identifiers) and a small grammar that checks
// whether the value, placed where an application puts it (a number, or inside a '...' or "..."
// literal), ends the literal and continues as valid SQL carrying evidence of an attack: a boolean
// condition, UNION SELECT, a stacked statement, a time-based function, comment truncation.
// Benign text rarely parses: two barewords in a row ("7 AND A HALF") are not SQL.
// Every loop is a single forward pass; no regular expressions.

export interface SqlHit {
  score: number;
  reasons: string[];
  /** Offset in the scanned text where the injection starts. */
  at: number;
}

// ---- tokens
// n number, s string, v variable, l literal keyword (NULL, TRUE...), b bareword, f function name,
// k keyword, o operator, & logical operator, u unary operator, ( ) , ; . punctuation,
// c comment, x anything else
interface Tok {
  t: string;
  /** upper-cased text for words, the operator text for operators */
  v: string;
  s: number;
  e: number;
  /** an unterminated string or block comment */
  open?: boolean;
}

const MAX_TOKENS = 600;

const LOGIC = new Set(['AND', 'OR', 'XOR']);
const UNARY = new Set(['NOT', 'BINARY']);
const OPWORDS = new Set(['LIKE', 'ILIKE', 'RLIKE', 'REGEXP', 'SIMILAR', 'GLOB', 'SOUNDS', 'IN', 'IS', 'BETWEEN', 'DIV', 'MOD', 'ESCAPE', 'COLLATE']);
const COMPARE_WORDS = new Set(['LIKE', 'ILIKE', 'RLIKE', 'REGEXP', 'SIMILAR', 'GLOB', 'SOUNDS', 'IN', 'IS', 'BETWEEN']);
const LITERALS = new Set(['NULL', 'TRUE', 'FALSE', 'UNKNOWN', 'DEFAULT', 'CURRENT_USER', 'CURRENT_DATE', 'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'LOCALTIME', 'LOCALTIMESTAMP', 'SESSION_USER', 'SYSTEM_USER', 'UTC_DATE', 'UTC_TIME', 'UTC_TIMESTAMP', 'SYSDATE']);
const KEYWORDS = new Set([
  'SELECT', 'UNION', 'ALL', 'DISTINCT', 'FROM', 'WHERE', 'GROUP', 'ORDER', 'BY', 'HAVING', 'LIMIT', 'OFFSET', 'INTO', 'OUTFILE', 'DUMPFILE',
  'PROCEDURE', 'AS', 'ASC', 'DESC', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'OUTER', 'CROSS', 'NATURAL', 'ON', 'USING', 'FOR', 'TOP', 'CASE',
  'WHEN', 'THEN', 'ELSE', 'END', 'EXISTS', 'INTERVAL', 'VALUES', 'SET', 'TABLE', 'DATABASE', 'SCHEMA', 'INSERT', 'UPDATE', 'DELETE', 'DROP',
  'CREATE', 'ALTER', 'TRUNCATE', 'EXEC', 'EXECUTE', 'DECLARE', 'WAITFOR', 'DELAY', 'SHUTDOWN', 'BEGIN', 'IF', 'CALL', 'GRANT', 'REVOKE',
  'LOAD', 'HANDLER', 'PRINT', 'KILL', 'DBCC', 'REPLACE', 'WITH', 'NOWAIT', 'WHILE', 'RETURN', 'GOTO', 'USE', 'OPEN', 'FETCH', 'DEALLOCATE', 'PREPARE',
]);
/** Functions seen in injections: their presence after a context break is evidence. */
const FUNCTIONS = new Set([
  'ASCII', 'CHAR', 'CHR', 'NCHAR', 'CONCAT', 'CONCAT_WS', 'GROUP_CONCAT', 'SUBSTRING', 'SUBSTR', 'MID', 'LEFT', 'RIGHT', 'LENGTH', 'LEN',
  'COUNT', 'SUM', 'MIN', 'MAX', 'AVG', 'MD5', 'SHA1', 'SHA2', 'VERSION', 'DATABASE', 'SCHEMA', 'USER', 'SYSTEM_USER', 'CURRENT_USER',
  'SESSION_USER', 'LOAD_FILE', 'EXTRACTVALUE', 'UPDATEXML', 'ELT', 'IF', 'IFNULL', 'NULLIF', 'ISNULL', 'COALESCE', 'CAST', 'CONVERT',
  'HEX', 'UNHEX', 'FLOOR', 'CEIL', 'RAND', 'ROUND', 'ABS', 'ORD', 'BIN', 'OCT', 'CONV', 'LOWER', 'UPPER', 'LCASE', 'UCASE', 'TRIM',
  'REPLACE', 'REVERSE', 'INSTR', 'LOCATE', 'POSITION', 'STRCMP', 'AES_ENCRYPT', 'AES_DECRYPT', 'COMPRESS', 'UNCOMPRESS', 'ENCODE', 'DECODE',
  'BENCHMARK', 'SLEEP', 'PG_SLEEP', 'WAITFOR', 'DB_NAME', 'USER_NAME', 'SUSER_NAME', 'HOST_NAME', 'OBJECT_ID', 'OBJECT_NAME', 'HAS_DBACCESS',
  'JSON_KEYS', 'JSON_EXTRACT', 'EXP', 'POW', 'POWER', 'SIN', 'COS', 'PI', 'GTID_SUBSET', 'NAME_CONST', 'ROW', 'EXISTS', 'UTL_INADDR',
  'CTXSYS', 'XMLTYPE', 'TO_CHAR', 'TO_NUMBER', 'NVL', 'DECODE', 'REGEXP_SUBSTRING', 'REGEXP_LIKE', 'MAKE_SET', 'EXPORT_SET', 'FIELD', 'FIND_IN_SET',
  'CURRENT_DATABASE', 'PG_READ_FILE', 'PG_LS_DIR', 'LO_IMPORT', 'QUOTE_IDENT', 'STRING_AGG', 'ARRAY_AGG', 'XP_CMDSHELL', 'OPENROWSET', 'OPENQUERY',
  'FILETOCLOB', 'FILETOBLOB', 'SQLITE_VERSION', 'RANDOMBLOB', 'LIKELIHOOD', 'UNICODE', 'SUBSTRING_INDEX', 'CHAR_LENGTH', 'CHARACTER_LENGTH',
  'BIT_LENGTH', 'OCTET_LENGTH', 'ST_LATFROMGEOHASH', 'GEOMETRYCOLLECTION', 'POLYGON', 'MULTIPOINT', 'LINESTRING', 'UUID', 'CONNECTION_ID',
  'LAST_INSERT_ID', 'LPAD', 'RPAD', 'IIF', 'CHARSET', 'COERCIBILITY', 'COLLATION', 'CHOOSE', 'GETDATE', 'LISTAGG', 'ROW_COUNT', 'FOUND_ROWS', 'SYSDATE', 'NOW', 'UTL_HTTP', 'DBMS_PIPE', 'DBMS_LOCK', 'DBMS_UTILITY', 'UTL_INADDR',
]);
const TIME_FUNCTIONS = new Set(['SLEEP', 'BENCHMARK', 'PG_SLEEP', 'DBMS_LOCK.SLEEP', 'DBMS_PIPE.RECEIVE_MESSAGE', 'SYS.DBMS_LOCK.SLEEP', 'RANDOMBLOB', 'PG_SLEEP_FOR', 'PG_SLEEP_UNTIL']);
/** Functions common in formulas and code: weak evidence unless they follow AND/OR or a string break. */
const MATHY = new Set(['SIN', 'COS', 'EXP', 'POW', 'POWER', 'PI', 'ABS', 'FLOOR', 'CEIL', 'ROUND', 'MIN', 'MAX', 'AVG', 'SUM', 'COUNT', 'LENGTH', 'LEN', 'LOWER', 'UPPER', 'TRIM', 'REPLACE', 'LEFT', 'RIGHT', 'NOW', 'RAND', 'UUID', 'FIELD', 'ROW', 'USER', 'MID', 'CHAR']);

/** The token after the parenthesis that closes the call whose '(' is at index k. */
function afterCall(toks: Tok[], k: number): Tok | undefined {
  let d = 0;
  for (let j = k; j < toks.length; j++) {
    const t = toks[j]!.t;
    if (t === '(') d++;
    else if (t === ')' && --d === 0) {
      for (let m = j + 1; m < toks.length; m++) if (toks[m]!.t !== 'c') return toks[m];
      return undefined;
    }
  }
  return undefined;
}

const STATEMENTS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'CREATE', 'ALTER', 'TRUNCATE', 'EXEC', 'EXECUTE', 'DECLARE', 'WAITFOR', 'SHUTDOWN', 'BEGIN', 'IF', 'CALL', 'GRANT', 'REVOKE', 'LOAD', 'HANDLER', 'PRINT', 'KILL', 'DBCC', 'REPLACE', 'SET', 'USE', 'WHILE', 'GOTO']);
/** Statements that may open a value (the value is a whole query): English-looking ones are left out. */
const LEADING_STATEMENTS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'DROP', 'CREATE', 'ALTER', 'TRUNCATE', 'EXEC', 'EXECUTE', 'DECLARE', 'WAITFOR', 'SHUTDOWN', 'REPLACE', 'GRANT', 'LOAD']);
const DDL_OBJECTS = new Set(['TABLE', 'DATABASE', 'SCHEMA', 'VIEW', 'PROCEDURE', 'FUNCTION', 'USER', 'INDEX', 'TRIGGER', 'LOGIN', 'COLUMN']);

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || (c > 127 && !isSpace(c));
}
function isWordChar(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isSpace(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0xfeff;
}

/** Tokenizes `text` from `start`. In `quote` mode the text starts inside a literal opened with that quote. */
function tokenize(text: string, start: number): Tok[] {
  const toks: Tok[] = [];
  const n = text.length;
  let i = start;
  while (i < n && toks.length < MAX_TOKENS) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const s = i;
    // strings
    if (c === 39 || c === 34) {
      const e = stringEnd(text, i, c);
      toks.push({ t: 's', v: '', s, e: Math.min(e + 1, n), open: e >= n });
      i = e + 1;
      continue;
    }
    if (c === 96 /* ` */) {
      const e = text.indexOf('`', i + 1);
      const end = e === -1 ? n : e + 1;
      toks.push({ t: 'b', v: text.slice(i + 1, Math.min(end - 1, i + 64)).toUpperCase(), s, e: end });
      i = end;
      continue;
    }
    if (c === 91 /* [ */) {
      const e = text.indexOf(']', i + 1);
      if (e !== -1 && e - i < 130) {
        toks.push({ t: 'b', v: text.slice(i + 1, e).toUpperCase(), s, e: e + 1 });
        i = e + 1;
        continue;
      }
      toks.push({ t: 'x', v: '[', s, e: i + 1 });
      i++;
      continue;
    }
    // numbers
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      let j = i;
      const c1 = text.charCodeAt(i + 1) | 32;
      if (c === 48 && (c1 === 120 || c1 === 98)) {
        j = i + 2;
        while (j < n && isWordChar(text.charCodeAt(j))) j++;
      } else {
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        if (text.charCodeAt(j) === 46) {
          j++;
          while (j < n && isDigit(text.charCodeAt(j))) j++;
        }
        if ((text.charCodeAt(j) | 32) === 101) {
          let k = j + 1;
          const sg = text.charCodeAt(k);
          if (sg === 43 || sg === 45) k++;
          if (isDigit(text.charCodeAt(k))) {
            j = k;
            while (j < n && isDigit(text.charCodeAt(j))) j++;
          }
        }
      }
      // Oracle float/double suffixes glued to a keyword: 1FUNION, 1dAND
      const sfx = text.charCodeAt(j) | 32;
      if ((sfx === 102 || sfx === 100) && isWordStart(text.charCodeAt(j + 1))) {
        let k = j + 1;
        while (k < n && isWordChar(text.charCodeAt(k))) k++;
        const w = text.slice(j + 1, k).toUpperCase();
        if (LOGIC.has(w) || w === 'UNION' || w === 'OR' || w === 'FROM' || w === 'LIKE') j++;
      }
      toks.push({ t: 'n', v: text.slice(i, Math.min(j, i + 40)), s, e: j });
      i = j;
      continue;
    }
    // words (qualified names a.b..c joined)
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (isWordChar(d)) j++;
        else if (d === 46 && (isWordStart(text.charCodeAt(j + 1)) || text.charCodeAt(j + 1) === 46 || text.charCodeAt(j + 1) === 96)) j++;
        else break;
      }
      const word = text.slice(i, Math.min(j, i + 64)).toUpperCase();
      const q = text.charCodeAt(j);
      // N'..', X'..', B'..', E'..', _charset'..'
      if (q === 39 && (word === 'N' || word === 'X' || word === 'B' || word === 'E' || word === 'Q' || word.charCodeAt(0) === 95)) {
        const e = stringEnd(text, j, 39);
        toks.push({ t: 's', v: '', s, e: Math.min(e + 1, n), open: e >= n });
        i = e + 1;
        continue;
      }
      let t = 'b';
      if (LOGIC.has(word)) t = '&';
      else if (UNARY.has(word)) t = 'u';
      else if (OPWORDS.has(word)) t = 'o';
      else if (LITERALS.has(word)) t = 'l';
      else if (KEYWORDS.has(word)) t = 'k';
      toks.push({ t, v: word, s, e: j });
      i = j;
      continue;
    }
    if (c === 64 /* @ */) {
      let j = i + 1;
      if (text.charCodeAt(j) === 64) j++;
      while (j < n && (isWordChar(text.charCodeAt(j)) || text.charCodeAt(j) === 46)) j++;
      toks.push({ t: 'v', v: text.slice(i, Math.min(j, i + 64)).toUpperCase(), s, e: j });
      i = j;
      continue;
    }
    // comments
    const c2 = text.charCodeAt(i + 1);
    if (c === 35 /* # */ || (c === 45 && c2 === 45)) {
      let e = text.indexOf('\n', i);
      if (e === -1) e = n;
      toks.push({ t: 'c', v: c === 35 ? '#' : '--', s, e });
      i = e;
      continue;
    }
    if (c === 47 && c2 === 42 /* / * */) {
      if (text.charCodeAt(i + 2) === 33 /* ! */) {
        // MySQL executable comment: its content is SQL
        let j = i + 3;
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        i = j;
        continue;
      }
      const e = text.indexOf('*/', i + 2);
      if (e === -1) {
        toks.push({ t: 'c', v: '/*', s, e: n, open: true });
        i = n;
      } else i = e + 2; // a closed comment is whitespace
      continue;
    }
    if (c === 42 && c2 === 47) {
      i += 2; // the end of /*! ... */
      continue;
    }
    if (c === 40 || c === 123) {
      toks.push({ t: '(', v: '(', s, e: i + 1 });
      i++;
      continue;
    }
    if (c === 41 || c === 125) {
      toks.push({ t: ')', v: ')', s, e: i + 1 });
      i++;
      continue;
    }
    if (c === 44) {
      toks.push({ t: ',', v: ',', s, e: i + 1 });
      i++;
      continue;
    }
    if (c === 59) {
      toks.push({ t: ';', v: ';', s, e: i + 1 });
      i++;
      continue;
    }
    if (c === 46) {
      toks.push({ t: '.', v: '.', s, e: i + 1 });
      i++;
      continue;
    }
    // operators
    const three = text.slice(i, i + 3);
    if (three === '<=>') {
      toks.push({ t: 'o', v: three, s, e: i + 3 });
      i += 3;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (two === '||' || two === '&&') {
      toks.push({ t: '&', v: two, s, e: i + 2 });
      i += 2;
      continue;
    }
    if (two === '<>' || two === '!=' || two === '<=' || two === '>=' || two === '::' || two === ':=' || two === '<<' || two === '>>' || two === '!<' || two === '!>' || two === '^=') {
      toks.push({ t: 'o', v: two, s, e: i + 2 });
      i += 2;
      continue;
    }
    if (c === 33 || c === 126) {
      toks.push({ t: 'u', v: text[i]!, s, e: i + 1 });
      i++;
      continue;
    }
    if (c === 61 || c === 60 || c === 62 || c === 43 || c === 45 || c === 42 || c === 47 || c === 37 || c === 94 || c === 38 || c === 124 || c === 58) {
      toks.push({ t: 'o', v: text[i]!, s, e: i + 1 });
      i++;
      continue;
    }
    if (c === 92 && (text.charCodeAt(i + 1) | 32) === 110) {
      toks.push({ t: 'l', v: 'NULL', s, e: i + 2 }); // \N is NULL in MySQL
      i += 2;
      continue;
    }
    toks.push({ t: 'x', v: text[i]!, s, e: i + 1 });
    i++;
  }
  return toks;
}

/** Index of the quote closing the literal opened at `q` ('' doubled and \-escaped quotes skipped), or text.length. */
function stringEnd(text: string, q: number, quote: number): number {
  const n = text.length;
  let j = q + 1;
  while (j < n) {
    const c = text.charCodeAt(j);
    if (c === 92) {
      j += 2;
      continue;
    }
    if (c === quote) {
      if (text.charCodeAt(j + 1) === quote) {
        j += 2;
        continue;
      }
      return j;
    }
    j++;
  }
  return n;
}

// ---- grammar

const OPERAND = 0, OPERATOR = 1, STMT = 2;

interface Ev {
  w: number;
  why: string;
  at: number;
}

interface ParseResult {
  ok: boolean;
  evs: Ev[];
  failAt: number;
  endsInComment: boolean;
  /** the last real token is an unterminated string (the application's own quote closes it) */
  endsInOpenString: boolean;
  sawOperator: boolean;
  sawBareword: boolean;
  operands: number;
  complete?: boolean;
  commas?: number;
  onlyLiteralKw?: boolean;
}

function tokText(text: string, t: Tok): string {
  return text.slice(t.s, Math.min(t.e, t.s + 40));
}

const LIT = (t: string) => t === 'n' || t === 's' || t === 'l' || t === 'v' || t === 'f';
const CLAUSE_EXPR = 0, CLAUSE_SELECT = 1, CLAUSE_FROM = 2, CLAUSE_LIST = 3;

/**
 * Parses the tokens as the continuation of a SQL expression. `afterOperand`: the value closed a
 * string literal (or starts with an operator), so an operator comes next. `leading`: the value may
 * be a whole statement. `quoted`: the value was read as the inside of a literal.
 */
function parse(text: string, toks: Tok[], afterOperand: boolean, leading: boolean, quoted: boolean): ParseResult {
  const evs: Ev[] = [];
  let st = afterOperand ? OPERATOR : OPERAND;
  let clause = CLAUSE_EXPR;
  let aliasOk = false;
  let depth = 0;
  const fnAt: boolean[] = []; // per open parenthesis: a function's argument list
  let logicAt = -1;
  let logicDepth = 0;
  let cmpPending = false;
  let cmpLeft = '';
  let cmpLeftT = '';
  let lastOperand: Tok | null = null;
  let lastOperandT = '';
  let prevT = afterOperand ? 's' : '';
  let failAt = -1;
  let sawOperator = false;
  let sawBareword = false;
  let operands = 0;
  let topSelect = false;
  let selectLit = false;
  let caseOpen = 0;
  let adjacent = false;
  let leadLiteral = false;
  let logicCount = 0;
  const fnNames: string[] = []; // names of the functions whose argument lists are open (approximate)
  let commas = 0;
  const n = toks.length;
  const ev = (w: number, why: string, at: number) => evs.push({ w, why, at });
  const next = (k: number): Tok | undefined => {
    for (let j = k + 1; j < n; j++) if (toks[j]!.t !== 'c') return toks[j];
    return undefined;
  };
  const nextIdx = (k: number): number => {
    for (let j = k + 1; j < n; j++) if (toks[j]!.t !== 'c') return j;
    return n;
  };
  const strength = (t: string, v: string) => (quoted ? (t === 'n' || t === 'l' || t === 'f' || t === 'v' ? 0.7 : 0.5) : t === 'l' && (v === 'TRUE' || v === 'FALSE') ? 0.6 : t === 'n' || t === 'v' || t === 'f' ? 0.5 : 0.4);
  const bareLogic = () => {
    if (logicAt === -1) return;
    const lhs = toks[logicAt]!;
    if (lastOperand) ev(strength(lastOperandT, lastOperand.v), `${lhs.v} with a bare ${lastOperandT === 'b' ? 'identifier' : 'operand'}`, lhs.s);
    logicAt = -1;
  };

  /** An operand token (or function call result) completed at index idx. */
  const operand = (tk: Tok, t: string) => {
    operands++;
    if (t === 'b') sawBareword = true;
    if (clause === CLAUSE_SELECT && t !== 'b' && t !== 's') selectLit = true;
    if (cmpPending) {
      cmpPending = false;
      const right = tokText(text, tk);
      const same = cmpLeft !== '' && cmpLeft === right && t !== 'f';
      const lit = LIT(t) || LIT(cmpLeftT);
      if (logicAt !== -1 && depth >= logicDepth) {
        const lhs = toks[logicAt]!;
        if (same) ev(quoted || LIT(t) ? 0.9 : 0.6, `boolean tautology (${cmpLeft}=${right}) after ${lhs.v}`, lhs.s);
        else {
          const both = LIT(t) && LIT(cmpLeftT);
          ev(quoted ? (lit ? 0.85 : 0.7) : both || (lit && leadLiteral) ? 0.85 : lit ? 0.55 : 0.45, `${lhs.v} followed by a comparison`, lhs.s);
        }
        logicAt = -1;
      } else if (same && LIT(t)) {
        ev(0.7, `tautology ${cmpLeft}=${right}`, tk.s);
      } else if (t === 'n' && cmpLeftT === 'n' && fnAt.includes(true)) {
        ev(0.6, 'numeric comparison inside a function call', tk.s);
      } else if (caseOpen > 0 && LIT(t) && LIT(cmpLeftT)) {
        ev(0.7, 'CASE WHEN with a constant condition', tk.s);
      }
    } else {
      cmpLeft = tokText(text, tk);
      cmpLeftT = t;
    }
    lastOperand = tk;
    lastOperandT = t;
    st = OPERATOR;
    aliasOk = clause === CLAUSE_SELECT || clause === CLAUSE_FROM;
  };

  const statement = (k: number, top: boolean): number => {
    // the index to continue from (the rest is read loosely), -2 for SELECT (parsed), -1 when not a statement
    const tk = toks[k]!;
    const w = tk.v;
    let nxi = nextIdx(k);
    let nx = toks[nxi];
    const after = () => next(nxi);
    const lead = top ? 0.75 : 1; // a whole-value statement weighs less than a stacked one
    const where = top ? 'statement' : 'stacked query';
    const plainNext = (t: Tok | undefined) => !t || t.t === ';' || t.t === '(' || t.t === 's' || t.t === 'v' || t.t === ',' || t.t === 'n' || t.t === '.' || t.t === 'o';
    switch (w) {
      case 'SELECT':
        return -2;
      case 'DROP': case 'CREATE': case 'ALTER': case 'TRUNCATE':
        if (nx && (DDL_OBJECTS.has(nx.v) || (!top && prevT === ';' && nx.t === 'b' && (!after() || after()!.t === ';')))) {
          const name = after();
          if (DDL_OBJECTS.has(nx.v) && !(name && (name.t === 'b' || name.t === 'k' || name.t === 's') && plainNext(next(nextIdx(nxi))))) return -1;
          ev(0.95 * lead, `${where}: ${w} ${nx.t === 'k' ? nx.v : ''}`.trim(), tk.s);
          return nxi;
        }
        return -1;
      case 'INSERT': case 'REPLACE':
        if (nx && nx.v === 'INTO') {
          ev(0.9 * lead, `${where}: ${w} INTO`, tk.s);
          return nxi;
        }
        return -1;
      case 'UPDATE': {
        const set = after();
        if (nx && nx.t === 'b' && set && set.v === 'SET') {
          ev(0.9 * lead, `${where}: UPDATE ... SET`, tk.s);
          return nxi;
        }
        return -1;
      }
      case 'DELETE':
        while (nx && (nx.v === 'LOW_PRIORITY' || nx.v === 'QUICK' || nx.v === 'IGNORE')) {
          nxi = nextIdx(nxi);
          nx = toks[nxi];
        }
        if (nx && nx.v === 'FROM') {
          ev(0.9 * lead, `${where}: DELETE FROM`, tk.s);
          return nxi;
        }
        return -1;
      case 'EXEC': case 'EXECUTE':
        const xp = !!nx && (nx.v.includes('XP_') || nx.v.includes('SP_') || nx.v.includes('.'));
        const a2 = after();
        const batch = !top && prevT !== ';'; // after a value without ';' (SQL Server batch): only unmistakable forms
        if (nx && (nx.t === '(' || nx.t === 'v' || ((nx.t === 'b' || nx.t === 'f') && (xp ? plainNext(a2) : !batch && (!a2 || a2.t === ';' || a2.t === 'v' || a2.t === '(' || a2.t === 'c'))))) {
          ev(xp || !top || nx.t !== 'b' ? (xp ? 1 : 0.9) * lead : 0.55, `${where}: ${w}${xp ? ' ' + nx.v.slice(0, 40) : ''}`, tk.s);
          return nxi;
        }
        return -1;
      case 'DECLARE':
        if (nx && (nx.t === 'v' || (nx.t === 'b' && after()?.v === 'CURSOR'))) {
          ev(0.9 * lead, `${where}: DECLARE ${nx.v.slice(0, 30)}`, tk.s);
          return nxi;
        }
        return -1;
      case 'WAITFOR':
        if (nx && (nx.v === 'DELAY' || nx.v === 'TIME') && (after()?.t === 's' || after()?.t === 'v')) {
          ev(1, `time-based: WAITFOR ${nx.v}`, tk.s);
          return nxi;
        }
        return -1;
      case 'SHUTDOWN':
        if (!nx || nx.t === ';' || nx.v === 'WITH') {
          ev(0.9 * lead, `${where}: SHUTDOWN`, tk.s);
          return nxi;
        }
        return -1;
      case 'SET':
        if (nx && nx.t === 'v') {
          ev(0.8, `${where}: SET ${nx.v.slice(0, 30)}`, tk.s);
          return nxi;
        }
        return -1;
      case 'IF':
        if (!top && nx && (nx.t === '(' || nx.t === 'n' || nx.t === 'u')) {
          ev(0.75, `${where}: IF`, tk.s);
          return nxi;
        }
        return -1;
      case 'LOAD':
        if (nx && (nx.v === 'DATA' || nx.v === 'XML')) {
          ev(0.95 * lead, `${where}: LOAD ${nx.v}`, tk.s);
          return nxi;
        }
        return -1;
      case 'GRANT': case 'REVOKE':
        if (nx && (nx.v === 'ALL' || nx.t === 'k' || nx.t === 'b') && toks.slice(nxi, nxi + 8).some((t) => t.v === 'TO' || t.v === 'ON')) {
          ev(0.85 * lead, `${where}: ${w}`, tk.s);
          return nxi;
        }
        return -1;
      case 'CALL':
        if (!top && nx && nx.t === 'b' && after()?.t === '(') {
          ev(0.7, `${where}: CALL ${nx.v.slice(0, 30)}()`, tk.s);
          return nxi;
        }
        return -1;
      case 'GOTO': case 'BEGIN': case 'PRINT': case 'KILL': case 'DBCC': case 'USE': case 'HANDLER': case 'WHILE':
        // weak alone (English words); the loose scan still counts strong signs after them
        if (!top && nx && (nx.t === 'b' || nx.t === 's' || nx.t === 'v' || nx.t === 'n' || nx.t === '(' || nx.t === 'k')) {
          ev(0.5, `${where}: ${w}`, tk.s);
          return nxi;
        }
        return -1;
    }
    return -1;
  };

  for (let i = 0; i < n; i++) {
    const tk = toks[i]!;
    if (tk.t === 'c') continue;
    const t = tk.t;
    if (st === STMT || (i === 0 && leading && t === 'k' && LEADING_STATEMENTS.has(tk.v))) {
      const top = st !== STMT;
      if (t === 'k' && STATEMENTS.has(tk.v)) {
        const r = statement(i, top);
        if (r === -2) {
          if (!top) ev(0.5, prevT === ';' ? 'stacked query: ; SELECT' : 'SELECT after the value', tk.s);
          topSelect = true;
          st = OPERAND;
          clause = CLAUSE_SELECT;
          prevT = 'k';
          const nx = next(i);
          if (nx && (nx.v === 'DISTINCT' || nx.v === 'ALL' || nx.v === 'TOP')) i = nextIdx(i);
          continue;
        }
        if (r >= 0) {
          looseScan(toks, r, evs);
          return { ok: true, evs, failAt: -1, endsInComment: false, endsInOpenString: false, sawOperator: true, sawBareword, operands };
        }
      }
      failAt = i;
      break;
    }
    if (st === OPERAND) {
      if (t === 'n' || t === 's' || t === 'l' || t === 'b' || t === 'v') {
        if (t === 'v' && tk.v.startsWith('@@')) ev(0.6, `system variable ${tk.v.slice(0, 30)}`, tk.s);
        if (t === 'b' && (tk.v.startsWith('INFORMATION_SCHEMA') || tk.v.startsWith('MYSQL.') || tk.v.startsWith('SYS.') || tk.v.startsWith('PG_CATALOG') || tk.v.startsWith('MASTER.') || tk.v === 'SYSOBJECTS' || tk.v === 'DUAL'))
          ev(0.7, `system catalog ${tk.v.slice(0, 40)}`, tk.s);
        if ((t === 'b' || t === 'l') && next(i)?.t === '(') {
          // a function call
          const name = tk.v;
          const known = FUNCTIONS.has(name) || name.startsWith('DBMS_') || name.startsWith('UTL_') || name.startsWith('XP_') || name.startsWith('SYS.') || name.startsWith('MASTER..');
          if (TIME_FUNCTIONS.has(name)) {
            const arg = next(nextIdx(i));
            const plausible = arg && (arg.t === 'n' || arg.t === 'v' || arg.t === '(' || arg.t === 's' || (arg.t === 'k' && arg.v === 'SELECT'));
            ev(afterCall(toks, nextIdx(i))?.t === 'b' || !plausible ? 0.5 : 1, `time-based function ${name}()`, tk.s);
          }
          else if (known) {
            const outer = fnNames[fnNames.length - 1];
            const nested = outer !== undefined && fnAt[fnAt.length - 1] === true && !(MATHY.has(name) && MATHY.has(outer));
            const w = name.startsWith('XP_') || name.includes('..XP_') ? 1 : logicAt !== -1 || quoted ? 0.8 : nested ? 0.65 : MATHY.has(name) ? 0.45 : prevT === 'o' || prevT === '&' ? 0.6 : 0.5;
            ev(w, `SQL function ${name.slice(0, 40)}()`, tk.s);
          } else if (logicAt !== -1) ev(quoted ? 0.6 : 0.5, `function call ${name.slice(0, 30)}() after ${toks[logicAt]!.v}`, tk.s);
          operand(tk, 'f');
          st = OPERAND;
          i = nextIdx(i);
          depth++;
          fnAt.push(true);
          fnNames.push(name);
          prevT = '(';
          continue;
        }
        operand(tk, t);
      } else if (t === 'u' || (t === 'o' && (tk.v === '-' || tk.v === '+'))) {
        // unary
      } else if (t === 'o' && tk.v === '*' && (clause === CLAUSE_SELECT || prevT === '(')) {
        if (clause === CLAUSE_SELECT) selectLit = true;
        st = OPERATOR;
        aliasOk = false;
      } else if (t === '(') {
        depth++;
        fnAt.push(false);
      } else if (t === ')' && prevT === '(') {
        depth--;
        if (fnAt.pop()) fnNames.pop();
        st = OPERATOR; // f()
      } else if (t === 'k' && tk.v === 'SELECT') {
        if (prevT === '(') ev(0.9, 'subquery (SELECT ...)', tk.s);
        else if (!afterOperand && i > 0) ev(0.5, 'SELECT inside an expression', tk.s);
        clause = CLAUSE_SELECT;
        const nx = next(i);
        if (nx && (nx.v === 'DISTINCT' || nx.v === 'ALL' || nx.v === 'TOP')) i = nextIdx(i);
      } else if (t === 'k' && tk.v === 'CASE') {
        caseOpen++;
      } else if (t === 'k' && tk.v === 'WHEN' && caseOpen > 0 && prevT === 'k') {
        ev(0.65, 'CASE WHEN', tk.s);
      } else if (t === 'k' && (tk.v === 'EXISTS' || tk.v === 'INTERVAL' || tk.v === 'DISTINCT' || tk.v === 'ALL')) {
        // prefix
      } else if (t === 'k' && (tk.v === 'IF' || tk.v === 'LEFT' || tk.v === 'RIGHT' || tk.v === 'REPLACE' || tk.v === 'DATABASE' || tk.v === 'SCHEMA' || tk.v === 'VALUES' || tk.v === 'USER' || tk.v === 'INSERT') && next(i)?.t === '(') {
        ev(logicAt !== -1 || quoted ? 0.8 : 0.6, `SQL function ${tk.v}()`, tk.s);
        operand(tk, 'f');
        st = OPERAND;
        i = nextIdx(i);
        depth++;
        fnAt.push(true);
        prevT = '(';
        continue;
      } else {
        failAt = i;
        break;
      }
      prevT = t;
      continue;
    }
    // OPERATOR
    if (t === 'o') {
      sawOperator = true;
      const cmp = tk.v === '=' || tk.v === '<>' || tk.v === '!=' || tk.v === '<' || tk.v === '>' || tk.v === '<=' || tk.v === '>=' || tk.v === '<=>' || tk.v === '!<' || tk.v === '!>' || COMPARE_WORDS.has(tk.v);
      if (tk.v === 'IN' && next(i)?.v === 'BOOLEAN') {
        // MATCH ... AGAINST (... IN BOOLEAN MODE)
        const j = nextIdx(i);
        if (next(j)?.v === 'MODE') {
          i = nextIdx(j);
          prevT = 'b';
          continue;
        }
      }
      if (cmp) {
        cmpPending = true;
        if (tk.v === 'IS' && next(i)?.v === 'NOT') i = nextIdx(i);
        if (tk.v === 'SOUNDS' && next(i)?.v === 'LIKE') i = nextIdx(i);
      }
      st = OPERAND;
    } else if (t === '&') {
      sawOperator = true;
      if (logicAt !== -1 && !cmpPending) bareLogic();
      // the value is one literal and then AND/OR: the classic numeric-context injection (1 OR x=1)
      if (logicCount === 0) leadLiteral = operands === 1 && LIT(lastOperandT) && lastOperandT !== 'f';
      logicCount++;
      logicAt = i;
      logicDepth = depth;
      cmpPending = false;
      st = OPERAND;
      const nx = next(i);
      if (nx && nx.t === '(' && next(nextIdx(i))?.v === 'SELECT') ev(0.95, `${tk.v} followed by a subquery`, tk.s);
    } else if (t === 'u' && tk.v === 'NOT') {
      const nx = next(i);
      if (nx && (nx.v === 'IN' || nx.v === 'LIKE' || nx.v === 'BETWEEN' || nx.v === 'REGEXP' || nx.v === 'RLIKE' || nx.v === 'EXISTS')) {
        sawOperator = true;
        i = nextIdx(i);
        cmpPending = true;
        st = OPERAND;
      } else {
        failAt = i;
        break;
      }
    } else if (t === ')') {
      depth--;
      if (fnAt.pop()) fnNames.pop();
      if (logicAt !== -1 && !cmpPending && depth < logicDepth) bareLogic();
    } else if (t === ',') {
      commas++;
      st = OPERAND;
    } else if (t === ';') {
      st = STMT;
      if (logicAt !== -1 && !cmpPending) bareLogic();
      const nx = next(i);
      if (!nx) {
        const endsC = toks[n - 1]?.t === 'c';
        ev(quoted ? 0.6 : 0.45, 'statement terminator' + (endsC ? ' and comment' : '') + ' after the value', tk.s);
        return { ok: true, evs, failAt: -1, endsInComment: endsC, endsInOpenString: false, sawOperator: true, sawBareword, operands };
      }
    } else if (t === 'k') {
      const w = tk.v;
      const nx = next(i);
      if (w === 'UNION') {
        let j = nextIdx(i);
        let tj = toks[j];
        while (tj && (tj.v === 'ALL' || tj.v === 'DISTINCT')) {
          j = nextIdx(j);
          tj = toks[j];
        }
        while (tj && tj.t === '(') {
          j = nextIdx(j);
          tj = toks[j];
          depth++;
          fnAt.push(false);
        }
        if (tj && tj.v === 'SELECT') {
          const a = next(j);
          const b = a ? next(nextIdx(j)) : undefined;
          const wordy = a && a.t === 'b' && b && (b.t === 'b' || (b.t === 's' && !!b.open));
          ev(wordy ? 0.75 : 1, 'UNION SELECT', tk.s);
          i = j;
          clause = CLAUSE_SELECT;
          st = OPERAND;
          const nx2 = next(i);
          if (nx2 && (nx2.v === 'DISTINCT' || nx2.v === 'ALL' || nx2.v === 'TOP')) i = nextIdx(i);
        } else if (!tj) {
          ev(0.5, 'UNION at the end', tk.s);
          st = OPERAND;
        } else {
          failAt = i;
          break;
        }
      } else if (w === 'FROM') {
        if (clause === CLAUSE_SELECT) ev(selectLit || lastOperandT === 's' ? 0.8 : 0.5, 'SELECT ... FROM', tk.s);
        else if (nx && nx.t === 'b' && next(nextIdx(i))?.v === 'WHERE') ev(0.7, 'FROM ... WHERE', tk.s);
        clause = CLAUSE_FROM;
        st = OPERAND;
      } else if (w === 'WHERE' || w === 'ON' || w === 'USING') {
        clause = CLAUSE_EXPR;
        st = OPERAND;
      } else if (w === 'HAVING') {
        if (nx && (nx.t === 'n' || nx.t === 'v' || nx.t === '(' || nx.t === 'u' || next(nextIdx(i))?.t === '(')) ev(0.75, 'HAVING clause', tk.s);
        clause = CLAUSE_EXPR;
        st = OPERAND;
      } else if ((w === 'ORDER' || w === 'GROUP') && nx && nx.v === 'BY') {
        i = nextIdx(i);
        const by = next(i);
        if (by && (by.t === 'n' || by.t === 'v' || by.t === '(' || (by.t === 'o' && by.v === '-') || next(nextIdx(i))?.t === '(')) ev(0.75, `${w} BY clause`, tk.s);
        clause = CLAUSE_LIST;
        st = OPERAND;
      } else if (w === 'LIMIT' || w === 'OFFSET' || w === 'TOP') {
        if (nx && (nx.t === 'n' || nx.t === 'v')) ev(0.55, `${w} clause`, tk.s);
        clause = CLAUSE_LIST;
        st = OPERAND;
      } else if (w === 'INTO') {
        if (nx && (nx.v === 'OUTFILE' || nx.v === 'DUMPFILE')) {
          ev(1, `INTO ${nx.v}`, tk.s);
          i = nextIdx(i);
        } else if (clause !== CLAUSE_SELECT) {
          failAt = i;
          break;
        }
        st = OPERAND;
      } else if (w === 'PROCEDURE') {
        ev(0.9, 'PROCEDURE clause', tk.s);
        st = OPERAND;
      } else if (w === 'AS') {
        if (nx && (nx.t === 'b' || nx.t === 's' || nx.t === 'k' || nx.t === 'f' || nx.t === 'l')) {
          i = nextIdx(i);
          aliasOk = false;
          if (next(i)?.t === '(') {
            // CAST(x AS type(n))
            i = nextIdx(i);
            depth++;
            fnAt.push(false);
            st = OPERAND;
          }
        } else {
          failAt = i;
          break;
        }
      } else if (w === 'ASC' || w === 'DESC' || w === 'NOWAIT') {
        // stay
      } else if (w === 'END') {
        if (caseOpen > 0) caseOpen--;
      } else if (w === 'WHEN' || w === 'THEN' || w === 'ELSE' || w === 'JOIN' || w === 'FOR' || w === 'WITH') {
        if (w === 'WHEN' && caseOpen > 0) ev(0.65, 'CASE ... WHEN', tk.s);
        st = OPERAND;
      } else if ((w === 'INNER' || w === 'LEFT' || w === 'RIGHT' || w === 'OUTER' || w === 'CROSS' || w === 'NATURAL') && clause === CLAUSE_FROM) {
        // join prefix
      } else if (STATEMENTS.has(w) && w !== 'SET' && w !== 'IF' && w !== 'USE') {
        // a batch without ';' (SQL Server)
        st = STMT;
        i--;
        continue;
      } else {
        failAt = i;
        break;
      }
    } else if ((t === 'b' || (t === 's' && clause === CLAUSE_SELECT)) && aliasOk) {
      aliasOk = false; // an alias
    } else if (t === 's' && prevT === 's' && !adjacent) {
      adjacent = true; // adjacent literals concatenate (MySQL); once
    } else if (t === '.') {
      st = OPERAND; // qualified name
    } else {
      failAt = i;
      break;
    }
    prevT = t;
  }
  if (failAt === -1) {
    if (logicAt !== -1 && !cmpPending && st === OPERATOR) bareLogic();
    if (topSelect && selectLit) ev(0.7, 'a whole SELECT statement', toks[0]?.s ?? 0);
  }
  let endsInComment = false;
  let last: Tok | undefined;
  const onlyL = toks.every((x) => x.t === 'l' || x.t === 'c');
  for (let k = n - 1; k >= 0; k--) {
    if (toks[k]!.t === 'c') endsInComment = true;
    else {
      last = toks[k];
      break;
    }
  }
  if (failAt === -1 && !quoted && last && last.t === 's' && last.open) failAt = toks.indexOf(last); // an unclosed literal is not SQL here
  return { ok: failAt === -1, evs, failAt, endsInComment, endsInOpenString: !!last && last.t === 's' && !!last.open, sawOperator, sawBareword, operands, complete: st !== OPERAND, commas, onlyLiteralKw: onlyL };
}

/** After a recognised statement the rest is not validated; it still counts strong signs. */
function looseScan(toks: Tok[], from: number, evs: Ev[]): void {
  for (let k = from; k < toks.length; k++) {
    const tk = toks[k]!;
    if ((tk.t === 'b' || tk.t === 'k') && toks[k + 1]?.t === '(' && TIME_FUNCTIONS.has(tk.v)) evs.push({ w: 1, why: `time-based function ${tk.v}()`, at: tk.s });
    else if (tk.v === 'WAITFOR' && (toks[k + 1]?.v === 'DELAY' || toks[k + 1]?.v === 'TIME')) evs.push({ w: 1, why: `time-based: WAITFOR ${toks[k + 1]!.v}`, at: tk.s });
    else if (tk.t === 'b' && tk.v.includes('XP_CMDSHELL')) evs.push({ w: 1, why: 'xp_cmdshell', at: tk.s });
    else if (tk.v === 'SHUTDOWN' && (!toks[k + 1] || toks[k + 1]!.t === 'c' || toks[k + 1]!.t === ';' || toks[k + 1]!.v === 'END' || toks[k + 1]!.v === 'WITH')) evs.push({ w: 0.9, why: 'SHUTDOWN', at: tk.s });
  }
}

/** Strong patterns counted wherever they are, even when the rest does not parse. */
function strongScan(toks: Tok[], evs: Ev[]): void {
  const n = toks.length;
  for (let k = 0; k < n; k++) {
    const tk = toks[k]!;
    if (tk.t === 'k' && tk.v === 'UNION') {
      let j = k + 1;
      while (j < n && (toks[j]!.t === 'c' || toks[j]!.v === 'ALL' || toks[j]!.v === 'DISTINCT')) j++;
      while (j < n && (toks[j]!.t === '(' || toks[j]!.t === 'c')) j++;
      if (toks[j]?.v === 'SELECT') {
        const a = toks[j + 1];
        const b = toks[j + 2];
        if (a && (a.t === 'n' || a.t === 'l' || a.t === 'v' || a.t === 's' || a.t === '(' || (a.t === 'o' && a.v === '*') || a.t === 'u' || (a.t === 'o' && a.v === '-') ||
          a.v === 'DISTINCT' || a.v === 'ALL' || a.v === 'TOP' || ((a.t === 'b' || a.t === 'k') && b && (b.t === ',' || b.t === '(' || b.v === 'FROM')))) {
          evs.push({ w: 0.95, why: 'UNION SELECT', at: tk.s });
        }
      }
    } else if ((tk.t === 'b' || tk.t === 'k') && toks[k + 1]?.t === '(' && TIME_FUNCTIONS.has(tk.v)) {
      const a = toks[k + 2];
      if (a && (a.t === 'n' || a.t === '(' || a.t === 'v' || a.t === 's') && tk.v !== 'RANDOMBLOB' && afterCall(toks, k + 1)?.t !== 'b') evs.push({ w: 0.95, why: `time-based function ${tk.v}()`, at: tk.s });
    } else if (tk.v === 'WAITFOR' && toks[k + 1]?.v === 'DELAY' && toks[k + 2]?.t === 's') {
      evs.push({ w: 1, why: 'time-based: WAITFOR DELAY', at: tk.s });
    } else if (tk.t === 'k' && tk.v === 'INTO' && (toks[k + 1]?.v === 'OUTFILE' || toks[k + 1]?.v === 'DUMPFILE') && toks[k + 2]?.t === 's') {
      evs.push({ w: 0.95, why: `INTO ${toks[k + 1]!.v}`, at: tk.s });
    } else if (tk.t === 'b' && tk.v.includes('XP_CMDSHELL')) {
      evs.push({ w: 0.95, why: 'xp_cmdshell', at: tk.s });
    } else if (tk.t === 'k' && tk.v === 'DECLARE' && toks[k + 1]?.t === 'v' && toks[k + 2]?.t === 'b') {
      evs.push({ w: 0.85, why: `DECLARE ${toks[k + 1]!.v.slice(0, 20)}`, at: tk.s });
    } else if (tk.t === '(' && toks[k + 1]?.v === 'SELECT') {
      for (let j = k + 2; j < n && j < k + 40; j++) {
        const tj = toks[j]!;
        if (tj.t === ')' || tj.t === ';') break;
        if (tj.v === 'FROM') {
          evs.push({ w: 0.9, why: 'subquery (SELECT ... FROM)', at: tk.s });
          break;
        }
      }
    } else if (tk.t === ';' && toks[k + 1]?.t === 'k') {
      const w = toks[k + 1]!.v;
      const x = toks[k + 2];
      if (x && (((w === 'DROP' || w === 'ALTER' || w === 'CREATE' || w === 'TRUNCATE') && DDL_OBJECTS.has(x.v) && (!toks[k + 4] || ['s', 'v', ';', 'c', ',', '(', 'n', '.'].includes(toks[k + 4]!.t))) || ((w === 'EXEC' || w === 'EXECUTE') && (x.t === 'b' || x.t === 'v') && (!toks[k + 3] || ['s', 'v', ';', 'c', ',', '(', 'n'].includes(toks[k + 3]!.t))) || (w === 'DECLARE' && x.t === 'v') || w === 'SHUTDOWN')) {
        evs.push({ w: 0.9, why: `stacked query: ; ${w}${x.t === 'k' ? ' ' + x.v : ''}`, at: tk.s });
      }
    }
  }
}

/** Cheap gate: text without any SQL-significant character or keyword-like word is not scanned. */
function worthScanning(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // ' " ` ( ) = ; # - * / | & < > @ ! ~ %
    if (c === 39 || c === 34 || c === 96 || c === 40 || c === 41 || c === 61 || c === 59 || c === 35 || c === 45 || c === 42 || c === 47 || c === 124 || c === 38 || c === 60 || c === 62 || c === 64 || c === 33) return true;
  }
  // words: and/or/xor/union/having/...
  let w = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(c)) continue;
    if (i - w >= 2 && i - w <= 9) {
      const word = text.slice(w, i).toUpperCase();
      if (LOGIC.has(word) || word === 'UNION' || word === 'HAVING' || word === 'SELECT' || word === 'ORDER' || word === 'GROUP' || word === 'WAITFOR' || word === 'LIMIT' || word === 'PROCEDURE' || word === 'INTO' || word === 'LIKE' || word === 'IS' || word === 'DIV' || word === 'IN' || word === 'REGEXP' || word === 'RLIKE' || word === 'CASE' || word === 'WHEN' || word === 'EXEC' || word === 'DECLARE' || word === 'SHUTDOWN') return true;
    }
    w = i + 1;
  }
  return false;
}

function best(evs: Ev[], limit: number): Ev | null {
  let b: Ev | null = null;
  for (const e of evs) if (e.at <= limit && (!b || e.w > b.w)) b = e;
  return b;
}

/** A comment that only cuts the query: --, -- -, #, /*, or one short word after the marker. */
function bareComment(text: string, toks: Tok[], noDigit = false): boolean {
  const c = toks[toks.length - 1];
  if (!c || c.t !== 'c') return false;
  const body = text.slice(c.s + (c.v === '#' ? 1 : 2), c.e).trim();
  // "2024-01-01--2024-01-31", "10 -- 20": ranges, not comments
  if (noDigit && body.length > 0 && body.charCodeAt(0) >= 48 && body.charCodeAt(0) <= 57) return false;
  return body.length <= 16 && !/\s/.test(body);
}

/** Where a value could close a literal opened with `quote`: the first quote, the first one not doubled or escaped, the second. */
function breaks(text: string, quote: string): number[] {
  const out: number[] = [];
  const first = text.indexOf(quote);
  if (first === -1) return out;
  out.push(first);
  const code = quote.charCodeAt(0);
  for (let j = 0; j < text.length && j < 256; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) {
      j++;
      continue;
    }
    if (c === code) {
      if (text.charCodeAt(j + 1) === code) {
        j++;
        continue;
      }
      if (j !== first) out.push(j);
      break;
    }
  }
  const second = text.indexOf(quote, first + 1);
  if (second !== -1 && second < 128 && !out.includes(second)) out.push(second);
  return out;
}

/**
 * SQL injection score of a decoded value: the best of several readings (the value as a number or
 * identifier, after an operand, inside '...' or "..."), each a tokenize + parse, plus strong
 * patterns anywhere.
 */
export function detectSql(text: string): SqlHit | null {
  if (!worthScanning(text)) return null;
  let top: { score: number; reasons: string[]; at: number } | null = null;
  const consider = (score: number, reasons: string[], at: number) => {
    if (!top || score > top.score) top = { score, reasons, at };
  };
  const readings: { q: number; quote: string; after: boolean }[] = [{ q: -1, quote: '', after: false }];
  for (const quote of ["'", '"']) for (const q of breaks(text, quote)) readings.push({ q, quote, after: true });
  let bareToks: Tok[] | null = null;
  for (let r = 0; r < readings.length; r++) {
    if (top && (top as { score: number }).score >= 0.95) break; // strong enough: the other readings cannot change the verdict
    const { q, quote } = readings[r]!;
    const quoted = q !== -1;
    const toks = quoted ? tokenize(text, q + 1) : (bareToks ??= tokenize(text, 0));
    if (!quoted && r === 0) {
      const f = toks.find((t) => t.t !== 'c');
      if (f && (f.t === '&' || (f.t === 'k' && ['UNION', 'ORDER', 'GROUP', 'HAVING', 'LIMIT', 'PROCEDURE', 'INTO'].includes(f.v)))) readings.push({ q: -1, quote: '', after: true });
    }
    const after = readings[r]!.after;
    const res = parse(text, toks, after, !quoted && !after, quoted);
    const prefix = quoted ? text.slice(0, q).trim() : '';
    const singleToken = prefix.length <= 40 && !/\s/.test(prefix);
    if (quoted && !singleToken) for (const e of res.evs) if (e.why.startsWith('statement terminator')) e.w = 0.45;
    const failPos = res.ok ? Infinity : toks[res.failAt]?.s ?? Infinity;
    const b = best(res.evs, failPos);
    let score = b ? b.w : 0;
    if (!res.ok && b && b.w < 0.8) score = 0;
    const reasons: string[] = [];
    const label = quoted ? `string break (${quote}) then ` : after ? 'after an operand: ' : '';
    if (score > 0 && b) {
      reasons.push(label + b.why);
      const others = res.evs.filter((e) => e !== b && e.w >= 0.5 && e.at < failPos);
      for (const o of others) if (reasons.length < 4 && !reasons.some((x) => x.endsWith(o.why))) reasons.push(o.why);
      if (others.some((o) => o.w >= 0.5)) score = Math.min(1, score + 0.05);
    }
    if (res.ok && quoted && singleToken) {
      if (res.endsInComment && res.complete && bareComment(text, toks)) {
        const w = score > 0 ? Math.min(1, score + 0.05) : 0.65;
        if (w > score) score = w;
        reasons.push(`string break (${quote}) followed by a comment that cuts the rest of the query`);
      }
      const lastS = [...toks].reverse().find((x) => x.t !== 'c');
      const content = lastS ? text.slice(lastS.s + 1, lastS.e).trimEnd() : '';
      const realOps = toks.filter((x) => x.t === 'o' || x.t === '&' || x.t === 'u').length;
      const logicWords = toks.filter((x) => x.t === '&').length;
      const symbolic = toks.some((x) => x.t === 'o' || x.t === 'u' || (x.t === '&' && x.v.charCodeAt(0) < 65)) || logicWords >= 2 || (logicWords === 1 && prefix !== '' && content !== '');
      // single quotes are SQL's string delimiter: x' OP 'y is MySQL implicit conversion; double quotes
      // delimit strings in MySQL only, so "..." readings need more than one operator
      const prefixIsKeyword = /^[a-z]+$/i.test(prefix) && KEYWORDS.has(prefix.toUpperCase());
      const balanced = quote === "'"
        ? content.length <= 12 && !prefixIsKeyword
        : content.length <= 12 && !/\s/.test(content) && symbolic && (prefix !== '' || realOps >= 2 || toks.length > 3 || toks.some((x) => x.t === 'o' && (COMPARE_WORDS.has(x.v) || x.v === '=' || x.v === '<>' || x.v === '!=')));
      if (res.endsInOpenString && res.sawOperator && score < 0.65 && text[lastS!.s] === quote && balanced) {
        score = 0.65;
        reasons.unshift(`string break (${quote}) then operators, balanced by the application's closing quote`);
      }
    } else if (res.ok && !quoted && res.endsInComment && bareComment(text, toks, true)) {
      if (score >= 0.55) {
        score = Math.min(1, score + 0.1);
        reasons.push('ends in a comment that cuts the rest of the query');
      } else if (!res.sawBareword && res.operands > 0 && !after && res.complete && !res.commas && !res.onlyLiteralKw) {
        score = 0.6;
        reasons.push('literal expression followed by a comment that cuts the rest of the query');
      }
    }
    const strong: Ev[] = [];
    strongScan(toks, strong);
    if (toks.some((x) => x.t === 'c' && /sp_password/i.test(text.slice(x.s, x.e)))) strong.push({ w: 0.8, why: 'comment hiding the query from the log (sp_password)', at: 0 });
    const sb = best(strong, Infinity);
    if (sb && sb.w > score) consider(sb.w, [sb.why], sb.at);
    if (score > 0) consider(score, reasons, quoted ? q : b ? b.at : 0);
  }
  const t = top as { score: number; reasons: string[]; at: number } | null;
  return t && t.score > 0 ? { score: t.score, reasons: t.reasons, at: t.at } : null;
}
