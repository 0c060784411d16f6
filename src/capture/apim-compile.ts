// The compile layer of the APIM policy verification harness: every C# expression of a policy is
// compiled with Mono's C# compiler (language version 7) against a model of APIM's `context`
// (apim-model/Context.cs) and Newtonsoft.Json, as APIM compiles them. `#line` directives make
// the compiler report errors at the policy's own line numbers. Then the allowed-types rule: a small
// Mono tool (apim-model/TypeRefs.cs) lists every type the compiled expressions use, read from
// their IL (calls, fields, casts, locals, generic arguments), and any type outside the allow-list
// (Microsoft's table of types allowed in expressions) is refused, however it was spelled.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parsePolicy } from './apim-lint.ts';

export const MCS = '/usr/bin/mcs';
export const MONO = '/usr/bin/mono';
export const NEWTONSOFT = '/usr/lib/cli/Newtonsoft.Json-5.0/Newtonsoft.Json.dll';
/** The file name the generated code claims (with #line), so errors point at policy lines. */
const POLICY_FILE = 'policy.xml';
const MODEL = fileURLToPath(new URL('./apim-model/Context.cs', import.meta.url));
const TYPE_REFS = fileURLToPath(new URL('./apim-model/TypeRefs.cs', import.meta.url));

export function mcsAvailable(): boolean {
  return existsSync(MCS) && existsSync(MONO) && existsSync(NEWTONSOFT);
}

export interface CompileError {
  /** Index of the expression in the policy (document order). */
  expression: number;
  /** Line in the policy. */
  line: number;
  message: string;
}

/**
 * The .NET types an expression may use, after Microsoft's table of the types allowed in policy
 * expressions (checked per type, not per member). Besides the table: the model of `context`, the
 * types mcs generates for the expressions themselves (closures, lambdas), and the plumbing C#
 * emits for foreach, lambdas, nullable and array literals (IDisposable, IEnumerator, Func/Action
 * delegates, RuntimeHelpers, ...), and exception types of the System namespace for catch clauses.
 */
const ALLOWED_PREFIXES = ['ApimModel.', 'PolicyExpressions', 'Newtonsoft.Json.', 'System.Xml.Linq.', 'System.Text.RegularExpressions.', 'System.Security.Cryptography.'];
const ALLOWED_TYPES = new Set(
  [
    'Array BitConverter Boolean Byte Char Convert DateTime DateTimeKind DateTimeOffset Decimal Double Enum Exception Guid Int16 Int32 Int64',
    'Math MidpointRounding Nullable`1 Object Random SByte Single String StringComparer StringComparison StringSplitOptions TimeSpan TimeZone',
    'TimeZoneInfo Tuple`1 Tuple`2 Tuple`3 Tuple`4 Tuple`5 Tuple`6 Tuple`7 Tuple`8 Type UInt16 UInt32 UInt64 Uri UriPartial Void',
    'IO.StringReader IO.StringWriter Net.IPAddress Net.WebUtility Text.Encoding Text.StringBuilder Xml.XmlNodeType',
    'Linq.Enumerable Linq.IOrderedEnumerable`1 Linq.IGrouping`2 Linq.ILookup`2',
    'Collections.Generic.Dictionary`2 Collections.Generic.HashSet`1 Collections.Generic.ICollection`1 Collections.Generic.IDictionary`2',
    'Collections.Generic.IEnumerable`1 Collections.Generic.IEnumerator`1 Collections.Generic.IList`1 Collections.Generic.IReadOnlyCollection`1',
    'Collections.Generic.IReadOnlyDictionary`2 Collections.Generic.IReadOnlyList`1 Collections.Generic.ISet`1 Collections.Generic.KeyValuePair`2',
    'Collections.Generic.List`1 Collections.Generic.Queue`1 Collections.Generic.Stack`1',
    // C# plumbing: foreach, lambdas, delegates, array literals, boxing.
    'IDisposable Collections.IEnumerator Collections.IEnumerable IntPtr ValueType RuntimeFieldHandle Runtime.CompilerServices.RuntimeHelpers',
    // Base classes that declare members of allowed types (StringReader.ReadToEnd is TextReader's).
    'IO.TextReader IO.TextWriter MarshalByRefObject',
    'Func`1 Func`2 Func`3 Func`4 Func`5 Action Action`1 Action`2 Action`3 Predicate`1 Comparison`1',
  ]
    .join(' ')
    .split(' ')
    .map((t) => `System.${t}`),
);

/** Whether an expression may use the type (a full name; a nested type counts as its outer type). */
export function typeAllowed(fullName: string): boolean {
  const outer = fullName.split('+')[0]!;
  return ALLOWED_PREFIXES.some((p) => outer.startsWith(p)) || ALLOWED_TYPES.has(outer) || /^System\.\w*Exception$/.test(outer);
}

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

const run = promisify(execFile);

/** TypeRefs.exe (apim-model/TypeRefs.cs), built once per process into a temporary folder. */
let typeRefsTool: Promise<string> | undefined;
function typeRefs(): Promise<string> {
  typeRefsTool ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapline-apim-typerefs-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const exe = join(dir, 'TypeRefs.exe');
    await run(MCS, ['-nologo', '-target:exe', `-out:${exe}`, TYPE_REFS]);
    return exe;
  })();
  return typeRefsTool;
}

/**
 * Compiles every expression of the policy; then, if that succeeded, reads the types the compiled
 * expressions use from their IL (TypeRefs.exe) and refuses those APIM does not allow.
 */
export async function compileApimPolicy(policy: string): Promise<{ ok: boolean; errors: CompileError[] }> {
  const errors: CompileError[] = [];
  const { source, lines } = expressionsSource(policy);
  const dir = mkdtempSync(join(tmpdir(), 'tapline-apim-compile-'));
  try {
    const file = join(dir, 'expressions.cs');
    const dll = join(dir, 'expressions.dll');
    writeFileSync(file, source);
    const args = ['-langversion:7', '-target:library', '-nologo', `-r:${NEWTONSOFT}`, '-r:System.Core.dll', '-r:System.Xml.Linq.dll', `-out:${dll}`, MODEL, file];
    const { ok, output } = await run(MCS, args).then(
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
    if (ok) {
      const { stdout } = await run(MONO, [await typeRefs(), dll], { env: { ...process.env, MONO_PATH: dirname(NEWTONSOFT) }, maxBuffer: 16 << 20 });
      const reported = new Set<string>();
      for (const row of stdout.split('\n')) {
        const [index, type, member] = row.split('\t');
        if (!index || !type || typeAllowed(type) || reported.has(`${index} ${type}`)) continue;
        reported.add(`${index} ${type}`);
        const expression = Number(index);
        errors.push({
          expression,
          line: lines[expression] ?? 0,
          message: `${type.split('+')[0]} (${member}) is not among the .NET types APIM allows in policy expressions`,
        });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ok: errors.length === 0, errors };
}
