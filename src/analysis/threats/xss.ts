// Cross-site scripting: an HTML tag and attribute tokenizer (tags that run script, event-handler
// attributes, script URLs in attribute values, CSS expressions), attribute and JavaScript string
// breaks, and template-injection markers. Single forward passes; the few regular expressions are
// bounded (every repetition is either capped or over a class disjoint from what follows).

export interface XssHit {
  score: number;
  reasons: string[];
  at: number;
}

const SCRIPT_TAGS = new Map<string, number>([
  ['script', 0.95], ['iframe', 0.9], ['frame', 0.85], ['frameset', 0.85], ['object', 0.85], ['embed', 0.85], ['applet', 0.85],
  ['base', 0.8], ['import', 0.85], ['xml', 0.75], ['isindex', 0.8], ['bgsound', 0.8], ['layer', 0.75], ['ilayer', 0.75], ['portal', 0.8],
  ['style', 0.75], ['meta', 0.6], ['link', 0.6], ['xss', 0.7], ['comment', 0.3],
]);

const SCHEMES = ['javascript:', 'vbscript:', 'livescript:', 'mocha:', 'data:text/html', 'data:image/svg', 'data:application/', 'data:text/javascript', 'data:text/xml', 'jar:'];

function isSpaceLike(c: number): boolean {
  return c <= 32 || c === 0x7f || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff || c === 0x200b;
}
function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95 || c === 58 || c === 46;
}
function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/** Lower-cased text without whitespace and control characters (how browsers read a URL scheme). */
function squeeze(s: string, max = 64): string {
  let out = '';
  for (let i = 0; i < s.length && out.length < max; i++) {
    const c = s.charCodeAt(i);
    if (!isSpaceLike(c)) out += s[i]!;
  }
  return out.toLowerCase();
}

function schemeOf(v: string): string | null {
  const sq = squeeze(v, 40);
  for (const sc of SCHEMES) if (sq.startsWith(sc)) return sc;
  return null;
}

const CSS_BAD = /expression\s*\(|javascript:|vbscript:|behaviou?r\s*:|binding\s*:|@import|\\0{0,4}[0-9a-f]{2}/i;
const CSS_ODD = /\/\*|[{}[\]\\]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** CSS that editors never write inline: comments, braces, brackets, escapes, control characters, a url() with ; or a space inside. */
function cssOdd(v: string): boolean {
  if (CSS_ODD.test(v)) return true;
  const low = v.toLowerCase();
  for (let u = low.indexOf('url('); u !== -1; u = low.indexOf('url(', u + 4)) {
    let k = u + 4;
    while (k < low.length && (low.charCodeAt(k) === 32 || low.charCodeAt(k) === 9)) k++;
    let end = low.indexOf(')', k);
    if (end === -1) end = low.length;
    for (let j = k; j < end; j++) {
      const c = low.charCodeAt(j);
      if (c === 59 || c <= 32) return true;
    }
    if (end === low.length) break;
  }
  return false;
}
const KNOWN_EVENTS = new Set(['onload', 'onerror', 'onclick', 'ondblclick', 'onmouseover', 'onmouseout', 'onmouseenter', 'onmouseleave', 'onmousedown', 'onmouseup', 'onmousemove', 'onfocus', 'onblur', 'onfocusin', 'onfocusout', 'onchange', 'oninput', 'onsubmit', 'onreset', 'onkeydown', 'onkeyup', 'onkeypress', 'onscroll', 'onresize', 'onunload', 'onbeforeunload', 'onpageshow', 'onhashchange', 'onmessage', 'onanimationstart', 'onanimationend', 'ontransitionend', 'ontoggle', 'onbegin', 'onend', 'onrepeat', 'onpointerover', 'onpointerdown', 'onpointerenter', 'ontouchstart', 'ondrag', 'ondragstart', 'ondrop', 'onwheel', 'oncopy', 'oncut', 'onpaste', 'oncontextmenu', 'onreadystatechange', 'onformchange', 'onforminput', 'onactivate', 'onbeforeactivate', 'onfilterchange', 'onpropertychange', 'onstart', 'onfinish', 'onplay', 'onplaying', 'onpause', 'onended', 'oncanplay', 'onloadstart', 'onloadeddata', 'onprogress', 'onselect', 'onselectstart', 'onsearch', 'oninvalid', 'onshow', 'onerrorupdate', 'onmove', 'onpopstate', 'onstorage', 'onafterprint', 'onbeforeprint', 'onauxclick', 'onmousewheel', 'onzoom', 'onbounce', 'onmoveend', 'onmovestart', 'onafterscriptexecute', 'onbeforescriptexecute']);

/** Scans the HTML tags in `text`. */
function scanTags(text: string, out: XssHit[]): void {
  const n = text.length;
  let lt = text.indexOf('<');
  while (lt !== -1 && lt < n - 1) {
    let i = lt + 1;
    const c = text.charCodeAt(i);
    if (c === 37 /* <% */ && /^<%=?\s*[\w.$]+\s*[-+*/(.=]/.test(text.slice(lt, lt + 60))) {
      out.push({ score: 0.7, reasons: ['server template tag <%'], at: lt });
    }
    if (c === 63 /* <? */) {
      const word = text.slice(i + 1, i + 16).toLowerCase();
      if (word.startsWith('import') || word.startsWith('php') || word.startsWith('xml:namespace') || word.startsWith('xml-stylesheet')) out.push({ score: 0.8, reasons: [`processing instruction <?${word.split(/[\s>]/)[0]}`], at: lt });
    }
    if (c === 33 /* <! */ && /^<!(?:DOCTYPE[^>]{0,200}\[\s{0,8}<!)?ENTITY\s[^>]{0,200}SYSTEM/i.test(text.slice(lt, lt + 500))) {
      out.push({ score: 0.8, reasons: ['external entity <!ENTITY ... SYSTEM>'], at: lt });
    }
    if (!isLetter(c)) {
      lt = text.indexOf('<', lt + 1);
      continue;
    }
    while (i < n && (isNameChar(text.charCodeAt(i)) || text.charCodeAt(i) === 0)) i++;
    const name = text.slice(lt + 1, i).replace(/\0/g, '').toLowerCase();
    const bare = name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : name;
    // XSLT and XML-events elements run code in XML documents
    const tagScore = SCRIPT_TAGS.get(bare) ?? (name.startsWith('xsl:') || bare === 'handler' || bare === 'listener' ? 0.75 : 0);
    const reasons: string[] = [];
    let score = 0;
    // a tag only counts when something follows its name that HTML allows: whitespace, /, > or the end
    const after = i < n ? text.charCodeAt(i) : 62;
    const isTag = after === 62 || after === 47 || isSpaceLike(after) || i >= n || after === 34 || after === 39;
    if (!isTag) {
      lt = text.indexOf('<', lt + 1);
      continue;
    }
    if (tagScore > 0) {
      score = tagScore;
      reasons.push(`<${bare}> tag`);
    }
    // attributes
    let j = i;
    let attrs = 0;
    while (j < n && attrs < 64) {
      let d = text.charCodeAt(j);
      while (j < n && (isSpaceLike(d) || d === 47 || d === 34 || d === 39 || d === 96)) d = text.charCodeAt(++j);
      if (j >= n || d === 62 || d === 60) break;
      const ns = j;
      while (j < n) {
        d = text.charCodeAt(j);
        if (isSpaceLike(d) || d === 47 || d === 62 || d === 61 || d === 60) break;
        j++;
      }
      if (j === ns) {
        j++;
        continue;
      }
      attrs++;
      const attr = text.slice(ns, j).toLowerCase();
      let k = j;
      while (k < n && isSpaceLike(text.charCodeAt(k))) k++;
      let value: string | null = null;
      if (text.charCodeAt(k) === 61) {
        k++;
        while (k < n && isSpaceLike(text.charCodeAt(k))) k++;
        const q = text.charCodeAt(k);
        if (q === 34 || q === 39 || q === 96) {
          let e = text.indexOf(text[k]!, k + 1);
          if (e === -1) e = n;
          value = text.slice(k + 1, e);
          j = e + 1;
        } else {
          let e = k;
          while (e < n && !isSpaceLike(text.charCodeAt(e)) && text.charCodeAt(e) !== 62) e++;
          value = text.slice(k, e);
          j = e;
        }
      }
      const an = attr.replace(/[^a-z:-]/g, '');
      if (an.length >= 5 && an.startsWith('on') && /^on[a-z]+$/.test(an)) {
        const w = value !== null ? 0.95 : 0.7;
        if (w > score) score = w;
        reasons.push(`<${bare}> with event handler ${an}${value !== null ? '=' + value.slice(0, 30) : ''}`);
      }
      if (an === 'ev:handler' || an === 'ev:event' || an.endsWith(':handler')) {
        score = Math.max(score, 0.75);
        reasons.push(`XML events attribute ${an} on <${bare}>`);
      }
      if (value !== null) {
        const sc = schemeOf(value);
        if (sc) {
          score = Math.max(score, 0.95);
          reasons.push(`${sc} URL in ${attr}= of <${bare}>`);
        }
        if (an === 'style' && CSS_BAD.test(value)) {
          score = Math.max(score, 0.9);
          reasons.push(`script in a style attribute of <${bare}>`);
        } else if (an === 'style' && cssOdd(value)) {
          // editors never write comments, braces, brackets, escapes or control characters inline
          score = Math.max(score, 0.7);
          reasons.push(`obfuscated CSS in a style attribute of <${bare}>`);
        }
        if ((an === 'dataformatas' && value.toLowerCase().includes('html')) || an === 'srcdoc' || (an === 'http-equiv' && value.toLowerCase().includes('refresh')) || (bare === 'link' && an === 'rel' && value.toLowerCase().includes('import'))) {
          score = Math.max(score, 0.85);
          reasons.push(`<${bare} ${an}=${value.slice(0, 20)}>`);
        }
      }
    }
    if (bare === 'style' || bare === 'svg' || bare === 'math') {
      const close = text.slice(j, j + 2000);
      if (CSS_BAD.test(close) && bare === 'style') {
        score = Math.max(score, 0.9);
        reasons.push('script in a <style> block');
      }
    }
    if (score > 0) out.push({ score, reasons, at: lt });
    lt = text.indexOf('<', Math.max(lt + 1, Math.min(j, n)));
  }
}

// an attribute break: a quote or separator, then on<event>= and JavaScript-looking code
const ATTR_BREAK = /(?:^|[\s"'`/;])(on[a-z]{3,30})\s{0,16}=\s{0,16}["'`]?([^"'`\s>]{0,60})/gi;
// a JavaScript string break into a call of a script sink
const JS_BREAK = /["'`][\s)\]}]{0,6}[-+;,|&*/^%:?]{1,4}\s{0,8}(alert|prompt|confirm|eval|print|settimeout|setinterval|fetch|import|function|top\[|window\[|document\.[a-z]{2,20}|window\.[a-z]{2,20}|self\.[a-z]{2,20}|parent\.[a-z]{2,20}|location|constructor)\s{0,8}[(`=[.]/i;
const SINK_CALL = /\b(alert|prompt|confirm)\s{0,8}(?:\(|`)|\beval\s{0,8}\(|\bstring\.fromcharcode\s{0,8}\(|document\.(?:cookie|write|domain|location)\b|window\.location\b|\bsettimeout\s{0,8}\(\s{0,8}["'`]/i;
const TEMPLATE = /\{\{[^{}]{0,200}?(constructor|__proto__|\$eval|\$on|\$event|alert|prompt|confirm|tostring|\bcall\b|\bapply\b|window|document|\[\]\.|\bprocess\b|require|7\s{0,3}\*\s{0,3}7)[^{}]{0,200}\}\}|\$\{[^{}]{0,200}?(alert|java\.lang|runtime|getruntime|constructor|process\.|require\(|t\(java|7\s{0,3}\*\s{0,3}7)[^{}]{0,200}\}|#\{[^{}]{0,100}?(system|exec|`|7\s{0,3}\*\s{0,3}7)[^{}]{0,100}\}/i;
const CSS_STANDALONE = /:\s{0,16}expression\s{0,16}\(|-moz-binding\s{0,16}:|behavior\s{0,16}:\s{0,16}url\s{0,16}\(/i;

export function detectXss(text: string): XssHit | null {
  const hits: XssHit[] = [];
  const lt = text.indexOf('<');
  if (lt !== -1) scanTags(text, hits);
  // event-handler attribute injected after an attribute break
  if (text.length > 4) {
    const low = text.toLowerCase();
    if (low.includes('on')) {
      ATTR_BREAK.lastIndex = 0;
      let m: RegExpExecArray | null;
      let guard = 0;
      while ((m = ATTR_BREAK.exec(text)) && guard++ < 64) {
        const code = m[2] ?? '';
        const rest = text.slice(m.index, m.index + 200);
        if (KNOWN_EVENTS.has(m[1]!.toLowerCase()) || /[(`]|javascript:|\w=\w/i.test(code) || /[(`]/.test(rest.slice(m[0].length - code.length, m[0].length - code.length + 80))) {
          hits.push({ score: 0.85, reasons: [`attribute break with event handler ${m[1]!.toLowerCase()}=`], at: m.index });
          break;
        }
      }
    }
    const sc = schemeOf(text);
    if (sc) hits.push({ score: 0.9, reasons: [`value is a ${sc} URL`], at: 0 });
    else if (low.includes('script:')) {
      const p = low.search(/(?:java|vb|live)script:/);
      if (p !== -1 && /[(`=]/.test(text.slice(p, p + 80))) hits.push({ score: 0.8, reasons: ['script: URL with code'], at: p });
    }
    const jb = JS_BREAK.exec(text);
    if (jb) hits.push({ score: 0.85, reasons: [`string break followed by ${jb[1]!.toLowerCase()}`], at: jb.index });
    const sk = SINK_CALL.exec(text);
    if (sk) hits.push({ score: 0.65, reasons: [`script sink ${sk[0].slice(0, 30)}`], at: sk.index });
    if (text.indexOf('{') !== -1) {
      const tp = TEMPLATE.exec(text);
      if (tp) hits.push({ score: 0.85, reasons: [`template injection ${tp[0].slice(0, 40)}`], at: tp.index });
    }
    if (low.includes('expression') || low.includes('binding') || low.includes('behavior')) {
      const cs = CSS_STANDALONE.exec(text);
      if (cs) hits.push({ score: 0.8, reasons: [`CSS script ${cs[0].slice(0, 30)}`], at: cs.index });
    }
  }
  if (hits.length === 0) return null;
  hits.sort((a, b) => b.score - a.score || a.at - b.at);
  const top = hits[0]!;
  const reasons = [...top.reasons];
  for (const h of hits.slice(1, 4)) for (const r of h.reasons) if (!reasons.includes(r) && reasons.length < 4) reasons.push(r);
  return { score: Math.min(1, top.score + (hits.length > 1 ? 0.03 : 0)), reasons, at: top.at };
}
