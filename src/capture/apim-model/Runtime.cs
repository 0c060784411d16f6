// The execute layer's runtime: concrete classes behind the interfaces of Context.cs and a host
// that runs a policy's compiled expressions (class PolicyExpressions, methods E0..En) for the
// gateway emulator (apim-emulator.ts). The emulator walks the policy and does all I/O; this host
// keeps each call's state (request, response, variables, last error) so expressions see exactly
// what APIM would show them, including body consumption: a read without preserveContent empties
// the body the backend or the client then receives.
//
// Protocol: one JSON object per line on stdin, one answer per line on stdout, in order.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Xml.Linq;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using ApimModel;

namespace ApimRuntime
{
    class Body : IMessageBody
    {
        internal byte[] Bytes;
        public Body(byte[] bytes) { Bytes = bytes ?? new byte[0]; }

        public T As<T>(bool preserveContent = false)
        {
            var data = Bytes;
            // APIM streams bodies: reading one without preserveContent consumes it.
            if (!preserveContent) Bytes = new byte[0];
            var text = Encoding.UTF8.GetString(data);
            object value;
            var t = typeof(T);
            if (t == typeof(string)) value = text;
            else if (t == typeof(byte[])) value = data;
            else if (t == typeof(JObject)) value = JObject.Parse(text);
            else if (t == typeof(JArray)) value = JArray.Parse(text);
            else if (t == typeof(JToken)) value = JToken.Parse(text);
            else if (t == typeof(XDocument)) value = XDocument.Parse(text);
            else if (t == typeof(XElement)) value = XElement.Parse(text);
            else throw new InvalidOperationException("IMessageBody.As<" + t.Name + "> is not supported");
            return (T)value;
        }
    }

    class Url : IUrl
    {
        readonly Uri uri;
        public Url(string url) { uri = new Uri(url); }
        public string Host { get { return uri.Host; } }
        public string Path { get { return uri.AbsolutePath; } }
        public int Port { get { return uri.Port; } }
        public string Scheme { get { return uri.Scheme; } }
        public string QueryString { get { return uri.Query; } }
        public IReadOnlyDictionary<string, string[]> Query
        {
            get
            {
                var q = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
                foreach (var pair in uri.Query.TrimStart('?').Split(new[] { '&' }, StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=');
                    var name = Uri.UnescapeDataString(eq < 0 ? pair : pair.Substring(0, eq));
                    var val = eq < 0 ? "" : Uri.UnescapeDataString(pair.Substring(eq + 1).Replace('+', ' '));
                    if (!q.ContainsKey(name)) q[name] = new List<string>();
                    q[name].Add(val);
                }
                return q.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
            }
        }
        public override string ToString() { return uri.ToString(); }
    }

    class Request : IRequest
    {
        internal Body BodyValue;
        internal Dictionary<string, string[]> HeaderValues;
        internal string MethodValue;
        internal Url UrlValue;
        internal Url OriginalUrlValue;
        internal string Ip;
        public IMessageBody Body { get { return BodyValue; } }
        public System.Security.Cryptography.X509Certificates.X509Certificate2 Certificate { get { return null; } }
        public IReadOnlyDictionary<string, string[]> Headers { get { return HeaderValues; } }
        public string IpAddress { get { return Ip; } }
        public IReadOnlyDictionary<string, string> MatchedParameters { get { return new Dictionary<string, string>(); } }
        public string Method { get { return MethodValue; } }
        public IUrl OriginalUrl { get { return OriginalUrlValue; } }
        public IUrl Url { get { return UrlValue; } }
    }

    class Response : IResponse
    {
        internal Body BodyValue;
        internal Dictionary<string, string[]> HeaderValues;
        internal int Status;
        internal string Reason;
        public IMessageBody Body { get { return BodyValue; } }
        public IReadOnlyDictionary<string, string[]> Headers { get { return HeaderValues; } }
        public int StatusCode { get { return Status; } }
        public string StatusReason { get { return Reason; } }
    }

    class Api : IApi
    {
        internal string IdValue = "", NameValue = "", PathValue = "";
        public string Id { get { return IdValue; } }
        public string Name { get { return NameValue; } }
        public string Path { get { return PathValue; } }
        public IEnumerable<string> Protocols { get { return new[] { "https" }; } }
        public IUrl ServiceUrl { get { return null; } }
        public string Version { get { return ""; } }
        public string Revision { get { return "1"; } }
    }

    class Operation : IOperation
    {
        internal string IdValue = "", MethodValue = "", NameValue = "", Template = "";
        public string Id { get { return IdValue; } }
        public string Method { get { return MethodValue; } }
        public string Name { get { return NameValue; } }
        public string UrlTemplate { get { return Template; } }
    }

    class Deployment : IDeployment
    {
        internal string Service = "", RegionValue = "";
        public string Gateway { get { return "managed"; } }
        public string GatewayId { get { return "managed"; } }
        public string Region { get { return RegionValue; } }
        public string ServiceId { get { return Service; } }
        public string ServiceName { get { return Service; } }
        public IReadOnlyDictionary<string, System.Security.Cryptography.X509Certificates.X509Certificate2> Certificates
        {
            get { return new Dictionary<string, System.Security.Cryptography.X509Certificates.X509Certificate2>(); }
        }
    }

    class LastError : ILastError
    {
        internal string SourceValue = "", ReasonValue = "", MessageValue = "", SectionValue = "", PolicyIdValue = "";
        public string Source { get { return SourceValue; } }
        public string Reason { get { return ReasonValue; } }
        public string Message { get { return MessageValue; } }
        public string Scope { get { return "api"; } }
        public string Section { get { return SectionValue; } }
        public string Path { get { return ""; } }
        public string PolicyId { get { return PolicyIdValue; } }
    }

    class Context : IProxyRequestContext
    {
        internal Request RequestValue;
        internal Response ResponseValue;
        internal Dictionary<string, object> VariableValues = new Dictionary<string, object>();
        internal Api ApiValue;
        internal Operation OperationValue;
        internal Deployment DeploymentValue;
        internal LastError LastErrorValue;
        internal Guid Id;
        internal DateTime Start;
        public IApi Api { get { return ApiValue; } }
        public IDeployment Deployment { get { return DeploymentValue; } }
        public TimeSpan Elapsed { get { return DateTime.UtcNow - Start; } }
        public ILastError LastError { get { return LastErrorValue; } }
        public IOperation Operation { get { return OperationValue; } }
        public IProduct Product { get { return null; } }
        public IRequest Request { get { return RequestValue; } }
        public Guid RequestId { get { return Id; } }
        public IResponse Response { get { return ResponseValue; } }
        public ISubscription Subscription { get { return null; } }
        public DateTime Timestamp { get { return Start; } }
        public bool Tracing { get { return false; } }
        public IUser User { get { return null; } }
        public IReadOnlyDictionary<string, object> Variables { get { return VariableValues; } }
        public void Trace(string message) { }
    }

    static class Host
    {
        /// The types set-variable may store (Microsoft's set-variable reference), by full name.
        static readonly HashSet<string> VariableTypes = new HashSet<string>(
            ("Boolean SByte Byte UInt16 UInt32 UInt64 Int16 Int32 Int64 Decimal Single Double Guid String Char DateTime TimeSpan")
            .Split(' ').Select(t => "System." + t));

        static readonly Dictionary<string, Context> calls = new Dictionary<string, Context>();
        static readonly Dictionary<int, MethodInfo> methods = new Dictionary<int, MethodInfo>();

        static Dictionary<string, string[]> Headers(JToken pairs)
        {
            var grouped = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in pairs ?? new JArray())
            {
                var name = (string)pair[0];
                if (!grouped.ContainsKey(name)) grouped[name] = new List<string>();
                grouped[name].Add((string)pair[1]);
            }
            return grouped.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        }

        static JArray HeaderPairs(Dictionary<string, string[]> headers)
        {
            var pairs = new JArray();
            foreach (var kv in headers) foreach (var v in kv.Value) pairs.Add(new JArray(kv.Key, v));
            return pairs;
        }

        static byte[] Bytes(JToken base64) { return base64 == null || base64.Type == JTokenType.Null ? new byte[0] : Convert.FromBase64String((string)base64); }

        static Response ResponseFrom(JToken r)
        {
            if (r == null || r.Type == JTokenType.Null) return null;
            return new Response { Status = (int)r["status"], Reason = (string)r["reason"] ?? "", HeaderValues = Headers(r["headers"]), BodyValue = new Body(Bytes(r["body"])) };
        }

        static JObject Describe(object value)
        {
            if (value == null) return new JObject(new JProperty("type", null), new JProperty("value", null));
            var type = value.GetType().FullName;
            JToken json;
            if (value is string || value is bool || value is char || value.GetType().IsPrimitive || value is decimal) json = new JValue(value);
            else json = new JValue(value.ToString());
            return new JObject(new JProperty("type", type), new JProperty("value", json));
        }

        /// A value the emulator kept (a literal, or a cached value) back as the .NET type it had.
        static object Typed(string type, JToken value)
        {
            if (value == null || value.Type == JTokenType.Null) return null;
            switch (type)
            {
                case "System.Boolean": return (bool)value;
                case "System.Int32": return (int)value;
                case "System.Int64": return (long)value;
                case "System.Double": return (double)value;
                case "System.Guid": return Guid.Parse((string)value);
                default: return (string)value;
            }
        }

        static JObject Handle(JObject m)
        {
            var op = (string)m["op"];
            var id = (string)m["call"];
            if (op == "begin")
            {
                var r = m["request"];
                var ctx = new Context
                {
                    Id = Guid.Parse((string)m["requestId"]),
                    Start = new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMilliseconds((double)m["timestamp"]),
                    RequestValue = new Request
                    {
                        MethodValue = (string)r["method"],
                        UrlValue = new Url((string)r["url"]),
                        OriginalUrlValue = new Url((string)r["url"]),
                        Ip = (string)r["ip"],
                        HeaderValues = Headers(r["headers"]),
                        BodyValue = new Body(Bytes(r["body"])),
                    },
                    ApiValue = new Api { IdValue = (string)m["api"]["id"], NameValue = (string)m["api"]["name"], PathValue = (string)m["api"]["path"] },
                    OperationValue = new Operation { IdValue = (string)m["operation"]["id"], NameValue = (string)m["operation"]["name"], MethodValue = (string)r["method"], Template = (string)m["operation"]["urlTemplate"] },
                    DeploymentValue = new Deployment { Service = (string)m["deployment"]["serviceName"], RegionValue = (string)m["deployment"]["region"] },
                };
                calls[id] = ctx;
                return new JObject();
            }
            var c = calls[id];
            switch (op)
            {
                case "eval":
                {
                    var index = (int)m["expression"];
                    MethodInfo method;
                    if (!methods.TryGetValue(index, out method))
                    {
                        method = Type.GetType("PolicyExpressions").GetMethod("E" + index);
                        methods[index] = method;
                    }
                    object value;
                    try { value = method.Invoke(null, new object[] { c }); }
                    catch (TargetInvocationException e)
                    {
                        var inner = e.InnerException ?? e;
                        return new JObject(new JProperty("error", new JObject(new JProperty("type", inner.GetType().FullName), new JProperty("message", inner.Message))));
                    }
                    var assign = (string)m["assign"];
                    if (assign != null)
                    {
                        if (value != null && !VariableTypes.Contains(value.GetType().FullName))
                        {
                            return new JObject(new JProperty("error", new JObject(new JProperty("type", "PolicyConfiguration"),
                                new JProperty("message", "set-variable " + assign + ": an expression returned " + value.GetType().FullName + ", not one of the basic types a variable may hold"))));
                        }
                        c.VariableValues[assign] = value;
                    }
                    return Describe(value);
                }
                case "setVariable":
                    c.VariableValues[(string)m["name"]] = Typed((string)m["type"], m["value"]);
                    return new JObject();
                case "removeVariable":
                    c.VariableValues.Remove((string)m["name"]);
                    return new JObject();
                case "setResponseVariable":
                    c.VariableValues[(string)m["name"]] = ResponseFrom(m["response"]);
                    return new JObject();
                case "setResponse":
                    c.ResponseValue = ResponseFrom(m["response"]);
                    return new JObject();
                case "setLastError":
                {
                    var e = m["error"];
                    c.LastErrorValue = new LastError { SourceValue = (string)e["source"], ReasonValue = (string)e["reason"], MessageValue = (string)e["message"], SectionValue = (string)e["section"], PolicyIdValue = "" };
                    return new JObject();
                }
                case "setRequestHeader":
                case "setResponseHeader":
                {
                    var headers = op == "setRequestHeader" ? c.RequestValue.HeaderValues : c.ResponseValue.HeaderValues;
                    var name = (string)m["name"];
                    var values = m["values"].Select(v => (string)v).ToArray();
                    if (values.Length == 0) headers.Remove(name);
                    else headers[name] = values;
                    return new JObject();
                }
                case "setRequestBody":
                    c.RequestValue.BodyValue = new Body(Bytes(m["body"]));
                    return new JObject();
                case "setResponseBody":
                    c.ResponseValue.BodyValue = new Body(Bytes(m["body"]));
                    return new JObject();
                case "setStatus":
                    c.ResponseValue.Status = (int)m["status"];
                    c.ResponseValue.Reason = (string)m["reason"] ?? "";
                    return new JObject();
                case "request":
                {
                    var q = c.RequestValue;
                    return new JObject(new JProperty("method", q.MethodValue), new JProperty("url", q.UrlValue.ToString()),
                        new JProperty("headers", HeaderPairs(q.HeaderValues)), new JProperty("body", Convert.ToBase64String(q.BodyValue.Bytes)));
                }
                case "response":
                {
                    var s = c.ResponseValue;
                    if (s == null) return new JObject(new JProperty("response", null));
                    return new JObject(new JProperty("response", new JObject(new JProperty("status", s.Status), new JProperty("reason", s.Reason),
                        new JProperty("headers", HeaderPairs(s.HeaderValues)), new JProperty("body", Convert.ToBase64String(s.BodyValue.Bytes)))));
                }
                case "hasVariable":
                    return new JObject(new JProperty("has", c.VariableValues.ContainsKey((string)m["name"])));
                case "end":
                    calls.Remove(id);
                    return new JObject();
                default:
                    throw new InvalidOperationException("unknown op " + op);
            }
        }

        static void Main()
        {
            var input = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
            var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
            string line;
            while ((line = input.ReadLine()) != null)
            {
                JObject answer;
                try { answer = Handle(JObject.Parse(line)); }
                catch (Exception e) { answer = new JObject(new JProperty("fault", e.GetType().Name + ": " + e.Message)); }
                output.WriteLine(answer.ToString(Formatting.None));
            }
        }
    }
}
