// Lists the .NET types each compiled policy expression uses, for the compile layer's allowed-types
// rule (apim-compile.ts). Reads the IL of every method of the PolicyExpressions assembly (the
// expression methods E<n> and the lambdas and closures mcs generates for them, whose names carry
// "<E<n>>"), resolves every type, method and field token and every local's type, and prints one
// line per use: "<n>\t<type full name>\t<member>". Generic arguments are listed as types too.
// Run with mono: TypeRefs.exe expressions.dll
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;

public static class TypeRefs
{
    static readonly Dictionary<short, OpCode> Codes = new Dictionary<short, OpCode>();
    static readonly HashSet<string> Seen = new HashSet<string>();

    public static int Main(string[] args)
    {
        foreach (var f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)f.GetValue(null);
            Codes[op.Value] = op;
        }
        var asm = Assembly.LoadFrom(args[0]);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in asm.GetTypes())
        {
            if (type.Namespace == "ApimModel") continue;
            var methods = new List<MethodBase>();
            methods.AddRange(type.GetMethods(all));
            methods.AddRange(type.GetConstructors(all));
            foreach (var fld in type.GetFields(all)) Report(Owner(type, null), fld.FieldType, "field " + fld.Name);
            foreach (var m in methods)
            {
                var n = Owner(type, m);
                if (n < 0) continue;
                var body = m.GetMethodBody();
                if (body == null) continue;
                foreach (var local in body.LocalVariables) Report(n, local.LocalType, "local");
                foreach (var p in ((m as MethodInfo) != null ? ((MethodInfo)m).GetParameters() : m.GetParameters())) Report(n, p.ParameterType, "parameter");
                Scan(n, m, body.GetILAsByteArray());
            }
        }
        return 0;
    }

    /// The expression a method belongs to: E<n> itself, or a generated member named after it.
    static int Owner(Type type, MethodBase m)
    {
        var names = (m != null ? m.Name + " " : "") + type.FullName;
        var match = Regex.Match(names, @"(?:^|<)E(\d+)\b");
        return match.Success ? int.Parse(match.Groups[1].Value) : -1;
    }

    static void Scan(int n, MethodBase m, byte[] il)
    {
        var module = m.Module;
        var typeArgs = m.DeclaringType.IsGenericType ? m.DeclaringType.GetGenericArguments() : null;
        var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
        int i = 0;
        while (i < il.Length)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            i += il[i] == 0xFE ? 2 : 1;
            OpCode op;
            if (!Codes.TryGetValue(value, out op)) throw new Exception("unknown opcode " + value);
            switch (op.OperandType)
            {
                case OperandType.InlineNone: break;
                case OperandType.ShortInlineBrTarget: case OperandType.ShortInlineI: case OperandType.ShortInlineVar: i += 1; break;
                case OperandType.InlineVar: i += 2; break;
                case OperandType.InlineI8: case OperandType.InlineR: i += 8; break;
                case OperandType.InlineSwitch: i += 4 + 4 * BitConverter.ToInt32(il, i); break;
                case OperandType.InlineMethod: case OperandType.InlineField: case OperandType.InlineType: case OperandType.InlineTok:
                {
                    var token = BitConverter.ToInt32(il, i);
                    i += 4;
                    var member = module.ResolveMember(token, typeArgs, methodArgs);
                    var t = member as Type;
                    if (t != null) { Report(n, t, op.Name); break; }
                    Report(n, member.DeclaringType, member.Name);
                    var mi = member as MethodInfo;
                    if (mi != null)
                    {
                        if (mi.IsGenericMethod) foreach (var a in mi.GetGenericArguments()) Report(n, a, member.Name + " type argument");
                        Report(n, mi.ReturnType, member.Name + " result");
                    }
                    var fi = member as FieldInfo;
                    if (fi != null) Report(n, fi.FieldType, member.Name);
                    break;
                }
                default: i += 4; break;
            }
        }
    }

    static void Report(int n, Type t, string member)
    {
        if (n < 0 || t == null) return;
        while (t.HasElementType) t = t.GetElementType();
        if (t.IsGenericParameter) return;
        if (t.IsGenericType)
        {
            foreach (var a in t.GetGenericArguments()) Report(n, a, member);
            t = t.GetGenericTypeDefinition();
        }
        var name = t.FullName ?? t.Name;
        var line = n + "\t" + name + "\t" + member;
        if (Seen.Add(line)) Console.WriteLine(line);
    }
}
