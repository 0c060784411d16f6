// OS command injection: a shell metacharacter (; | || && & newline ` $( ${IFS}) followed by a known
// command and shell-looking arguments, or by a redirection. One forward pass over the text.

export interface CmdHit {
  score: number;
  reasons: string[];
  at: number;
}

/** Commands an attacker runs to probe or take over a host. Matched in lower case as typed. */
const STRONG = new Set([
  'whoami', 'uname', 'wget', 'curl', 'nc', 'ncat', 'netcat', 'bash', 'sh', 'zsh', 'ksh', 'csh', 'dash', 'tcsh', 'powershell', 'pwsh',
  'python', 'python2', 'python3', 'perl', 'ruby', 'php', 'ifconfig', 'ipconfig', 'netstat', 'nslookup', 'systeminfo', 'certutil',
  'bitsadmin', 'mkfifo', 'busybox', 'telnet', 'tftp', 'xterm', 'nohup', 'printenv', 'tasklist', 'wmic', 'mshta', 'rundll32', 'regsvr32',
  'cscript', 'wscript', 'useradd', 'crontab', 'socat', 'chmod', 'chown', 'passwd', 'getent', 'base64', 'xargs', 'hostname', 'sudo',
  'cmd', 'cmd.exe', 'dig', 'ping', 'sleep', 'uname', 'id', 'ls', 'pwd', 'cat', 'echo', 'rm', 'ps', 'kill', 'touch', 'env', 'awk',
  'sed', 'tar', 'head', 'tail', 'type', 'dir', 'net', 'ver', 'find', 'more', 'timeout', 'whoami.exe', 'ssh', 'scp', 'openssl', 'lynx',
  'expr', 'cp', 'mv', 'grep', 'uptime', 'w', 'who', 'last', 'reg', 'del', 'copy', 'start', 'powershell.exe', 'node', 'java', 'gcc', 'su',
]);
/** Unambiguous on their own (a bare word after a separator is enough). */
const UNAMBIGUOUS = new Set([
  'whoami', 'uname', 'wget', 'curl', 'ncat', 'netcat', 'powershell', 'pwsh', 'ifconfig', 'ipconfig', 'netstat', 'nslookup', 'systeminfo',
  'certutil', 'bitsadmin', 'mkfifo', 'busybox', 'printenv', 'tasklist', 'wmic', 'mshta', 'rundll32', 'regsvr32', 'useradd', 'crontab',
  'socat', 'getent', 'whoami.exe', 'powershell.exe', 'cmd.exe', 'id', 'pwd', 'ls', 'uptime', 'hostname', 'ver', 'dir',
]);
/** Commands whose first argument is naturally a number (sleep 5, chmod 777, kill 1). */
const NUMERIC_ARG = new Set(['sleep', 'timeout', 'chmod', 'kill', 'ping', 'nc', 'ncat', 'usleep']);
const WINDOWS = new Set(['cmd', 'cmd.exe', 'powershell', 'powershell.exe', 'dir', 'type', 'ver', 'ipconfig', 'systeminfo', 'tasklist', 'net', 'whoami', 'certutil', 'del', 'copy', 'reg', 'wmic']);

function isCmdChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 95 || c === 45;
}
function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 11 || c === 12;
}

interface Sep {
  at: number;
  len: number;
  kind: string;
}

function separators(t: string, out: Sep[]): void {
  const n = t.length;
  for (let i = 0; i < n && out.length < 64; i++) {
    const c = t.charCodeAt(i);
    if (c === 59) out.push({ at: i, len: 1, kind: ';' });
    else if (c === 124) {
      const two = t.charCodeAt(i + 1) === 124;
      out.push({ at: i, len: two ? 2 : 1, kind: two ? '||' : '|' });
      if (two) i++;
    } else if (c === 38) {
      const two = t.charCodeAt(i + 1) === 38;
      out.push({ at: i, len: two ? 2 : 1, kind: two ? '&&' : '&' });
      if (two) i++;
    } else if (c === 10 || c === 13) out.push({ at: i, len: 1, kind: 'newline' });
    else if (c === 96) out.push({ at: i, len: 1, kind: '`' });
    else if (c === 36 && t.charCodeAt(i + 1) === 40) {
      out.push({ at: i, len: 2, kind: '$(' });
      i++;
    }
  }
}

/** Skips blanks and ${IFS}-style separators; returns the new index. */
function skipBlanks(t: string, i: number): number {
  const n = t.length;
  for (;;) {
    while (i < n && isBlank(t.charCodeAt(i))) i++;
    if (t.startsWith('${IFS}', i)) i += 6;
    else if (t.startsWith('$IFS$9', i)) i += 6;
    else if (t.startsWith('$IFS', i)) i += 4;
    else break;
  }
  return i;
}

export function detectCommand(t: string): CmdHit | null {
  const seps: Sep[] = [];
  separators(t, seps);
  const fenced = t.includes('```');
  const prose = proseWords(t) >= 4;
  let best: CmdHit | null = null;
  const consider = (score: number, reason: string, at: number) => {
    if (!best || score > best.score) best = { score, reasons: [reason], at };
    else if (best.reasons.length < 4 && !best.reasons.includes(reason)) best.reasons.push(reason);
  };
  if (t.includes('${IFS}') || t.includes('$IFS$9')) consider(0.9, 'shell ${IFS} used as a space', t.indexOf('$IFS') - 1);
  for (const s of seps) {
    let i = skipBlanks(t, s.at + s.len);
    // brace expansion {cat,/etc/passwd}
    let brace = false;
    if (t.charCodeAt(i) === 123) {
      brace = true;
      i++;
    }
    // quotes splitting a word (w'h'o'am'i) and path prefixes (/bin/cat, /usr/bin/id)
    let word = '';
    let j = i;
    let pathPrefix = false;
    while (j < t.length && word.length < 40) {
      const c = t.charCodeAt(j);
      if (isCmdChar(c)) word += t[j]!;
      else if (c === 47 || c === 92) {
        pathPrefix = true;
        word = '';
      } else if ((c === 39 || c === 34) && word.length > 0 && isCmdChar(t.charCodeAt(j + 1))) {
        // w'h'o'am'i
      } else break;
      j++;
    }
    if (!word) continue;
    const lw = word.toLowerCase();
    const known = STRONG.has(word) || (WINDOWS.has(lw) && STRONG.has(lw));
    if (!known) continue;
    // what follows the command
    let k = j;
    const gap = k;
    k = skipBlanks(t, k);
    const blank = k > gap || brace;
    const nc = k < t.length ? t.charCodeAt(k) : -1;
    let argKind = '';
    if (nc === -1) argKind = 'end';
    else if (nc === 59 || nc === 124 || nc === 38 || nc === 96 || nc === 41 || nc === 10 || nc === 13 || nc === 35 || (brace && nc === 125)) argKind = 'end';
    else if (!blank && nc !== 44) continue; // the word goes on: "cats", "id=5"
    else if (nc === 62 || nc === 60) argKind = 'redirection';
    else if (nc === 45 && /^-{1,2}[a-z]/i.test(t.slice(k, k + 3))) argKind = 'flag';
    else if (nc === 47 || nc === 126 || (nc === 46 && t.charCodeAt(k + 1) === 47) || nc === 36 || (nc === 92 && /^[a-z]/i.test(t[k + 1] ?? ''))) argKind = 'path';
    else if (/^(?:https?|ftp):\/\//i.test(t.slice(k, k + 8))) argKind = 'url';
    else if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/.test(t.slice(k, k + 16))) argKind = 'address';
    else if (/^[a-z]:[\\/]/i.test(t.slice(k, k + 3))) argKind = 'path';
    else if (NUMERIC_ARG.has(lw) && /^\d+(?:$|[\s;|&`)#])/.test(t.slice(k, k + 12))) argKind = 'number';
    else if ((nc === 39 || nc === 34) && word !== 'echo') argKind = 'quoted';
    else if (brace && nc === 44) argKind = 'path';
    else if (WINDOWS.has(lw) && /^\/[a-z]\b/i.test(t.slice(k, k + 3))) argKind = 'flag';
    else argKind = 'word';
    const lowerTyped = word === lw;
    if (!lowerTyped && !WINDOWS.has(lw)) continue;
    const sub = s.kind === '`' || s.kind === '$(';
    let score = 0;
    if (argKind === 'word') score = UNAMBIGUOUS.has(lw) || (lw === 'net' && /^(?:user|localgroup|view|share|group|use)\b/i.test(t.slice(k, k + 12))) ? 0.7 : 0;
    else if (argKind === 'end') score = UNAMBIGUOUS.has(lw) || sub ? 0.85 : 0.6;
    else score = 0.85;
    if (sub && score > 0) score = Math.min(1, score + 0.05);
    if (pathPrefix && score > 0) score = Math.min(1, score + 0.05);
    if (s.kind === '&' && argKind === 'word') score = 0;
    // inline code in prose and markdown code fences (a support ticket quoting a command) are weaker evidence
    if ((s.kind === '`' && (prose || fenced)) || (s.kind === 'newline' && fenced)) score = Math.min(score, 0.5);
    if (score > 0) consider(score, `${s.kind === 'newline' ? 'newline' : s.kind} then command ${word}${argKind !== 'end' && argKind !== 'word' ? ` with a ${argKind} argument` : ''}`, s.at);
  }
  // redirections: > /tmp/x, >/dev/null, 2>&1, >> ~/.ssh/authorized_keys
  const r = t.search(/(?:\d?>>?|2>&1)\s{0,4}(?:\/dev\/(?:null|tcp|udp)|\/tmp\/|\/var\/www|~\/|\/etc\/|&\d)/);
  if (r !== -1 && seps.length > 0) consider(0.8, 'shell redirection', r);
  if (/\/dev\/tcp\/\d/.test(t)) consider(0.95, 'reverse shell /dev/tcp', t.indexOf('/dev/tcp/'));
  return best;
}

/** Words of three or more letters outside `code spans` (prose around inline code). */
function proseWords(t: string): number {
  let words = 0;
  let inCode = false;
  let run = 0;
  for (let i = 0; i <= t.length && i < 4096; i++) {
    const c = i < t.length ? t.charCodeAt(i) : 32;
    if (c === 96) inCode = !inCode;
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
    if (letter && !inCode) run++;
    else {
      if (run >= 3) words++;
      run = 0;
    }
  }
  return words;
}
