// The compile layer of the APIM policy verification harness: every C# expression of a policy is
// compiled with Mono's C# compiler (language version 7) against a model of APIM's `context`
// (apim-model/Context.cs) and Newtonsoft.Json, as APIM compiles them. `#line` directives make
// the compiler report errors at the policy's own line numbers. A textual check then rejects .NET
// types APIM does not allow in expressions (file, network, process, reflection, threading).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parsePolicy } from './apim-lint.ts';

export const MCS = '/usr/bin/mcs';
export const NEWTONSOFT = '/usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll';
/** The file name the generated code claims (with #line), so errors point at policy lines. */
const POLICY_FILE = 'policy.xml';
const MODEL = fileURLToPath(new URL('./apim-model/Context.cs', import.meta.url));

export function mcsAvailable(): boolean {
  return existsSync(MCS) && existsSync(NEWTONSOFT);
}

export interface CompileError {
  /** Index of the expression in the policy (document order). */
  expression: number;
  /** Line in the policy. */
  line: number;
  message: string;
}

/**
 * Namespaces and types APIM's expressions may not use. A conservative textual check over the
 * expression code: the allowed list in Microsoft's reference is short and none of these is on it.
 */
const FORBIDDEN = /\b(System\.(IO|Net|Reflection|Threading|Diagnostics|Runtime\.InteropServices)|File|Directory|Environment|Process|Thread|Task|Assembly|Activator|AppDomain|Marshal|WebClient|HttpClient|Socket)\b\s*[.(]|\bunsafe\b|\bDllImport\b/;

/** The expression as a C# method body: `@(x)` returns x; `@{ ... }` is a body already. */
function methodBody(code: string): string {
  // APIM substitutes named values ({{name}}) before compiling; any text stands in for them here.
  const plain = code.replace(/\{\{[A-Za-z0-9._-]+\}\}/g, 'named-value');
  return plain.startsWith('@{') ? plain.slice(2, -1) : `return (${plain.slice(2, -1)});`;
}

export function expressionsSource(policy: string): { source: string; lines: number[] } {
  const { expressions } = parsePolicy(policy);
  // The method header shares the expression's first line, so the body keeps the policy's lines.
  const methods = expressions.map((e, i) => `#line ${e.line} "${POLICY_FILE}"\npublic static object E${i}(IProxyRequestContext context) { ${methodBody(e.code)}\n}\n#line default`);
  const source = [
    'using System;',
    'using System.Collections.Generic;',
    'using System.Linq;',
    'using System.Text;',
    'using System.Text.RegularExpressions;',
    'using System.Xml.Linq;',
    'using Newtonsoft.Json;',
    'using Newtonsoft.Json.Linq;',
    'using ApimModel;',
    'public static class PolicyExpressions {',
    ...methods,
    '}',
  ].join('\n');
  return { source, lines: expressions.map((e) => e.line) };
}

/** Which expression a policy line belongs to (the last one starting at or before it). */
function expressionAt(lines: number[], line: number): number {
  let index = 0;
  for (let i = 0; i < lines.length; i++) if (lines[i]! <= line) index = i;
  return index;
}

export async function compileApimPolicy(policy: string): Promise<{ ok: boolean; errors: CompileError[] }> {
  const { expressions } = parsePolicy(policy);
  const errors: CompileError[] = [];
  expressions.forEach((e, i) => {
    const m = FORBIDDEN.exec(e.code);
    if (m) errors.push({ expression: i, line: e.line, message: `"${m[0].replace(/[.(\s]+$/, '')}" is not among the .NET types APIM allows in policy expressions` });
  });
  const { source, lines } = expressionsSource(policy);
  const dir = mkdtempSync(join(tmpdir(), 'tapline-apim-compile-'));
  try {
    const file = join(dir, 'expressions.cs');
    writeFileSync(file, source);
    const args = ['-langversion:7', '-target:library', '-nologo', `-r:${NEWTONSOFT}`, '-r:System.Core.dll', '-r:System.Xml.Linq.dll', `-out:${join(dir, 'expressions.dll')}`, MODEL, file];
    const { ok, output } = await promisify(execFile)(MCS, args).then(
      (r) => ({ ok: true, output: r.stdout }),
      (err: { stdout?: string; stderr?: string }) => ({ ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` }),
    );
    for (const raw of output.split('\n')) {
      const m = /^(.*)\((\d+),\d+\): error (CS\d+): (.*)$/.exec(raw.trim());
      if (!m) continue;
      const line = Number(m[2]);
      // mcs may report the #line file name relative to the source's folder.
      const inPolicy = m[1]!.endsWith(POLICY_FILE);
      errors.push({ expression: inPolicy ? expressionAt(lines, line) : -1, line: inPolicy ? line : 0, message: `${m[3]}: ${m[4]}` });
    }
    if (!ok && errors.length === 0) {
      errors.push({ expression: -1, line: 0, message: `mcs failed: ${output.trim().slice(0, 500)}` });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ok: errors.length === 0, errors };
}
