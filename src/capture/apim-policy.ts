// The Azure API Management capture-and-forward policy (edge-api.md sections 3 and 5), generated
// from a few options. Pure: options in, policy text out, so it is tested and linted directly.
//
// What the policy does, per call:
// - inbound (before <base />, so calls that global policies reject are captured too): decides
//   whether this call is sampled, and snapshots the request as an Edge transaction (JSON text in a
//   variable). The body is read only for textual, uncompressed content whose declared
//   Content-Length is under the cap, always with preserveContent so the backend still gets it;
//   other bodies are recorded by their length only, marked cq-body-truncated.
// - outbound and on-error: adds the response, gets a token (cache, else the client credentials
//   grant, failures cached briefly) and posts the transaction with send-one-way-request. A
//   variable makes sure a transaction is sent once even if both sections run.
// Every expression catches its own exceptions: the capture can never fail the API call.
//
// The text is APIM's raw policy format ("rawxml"): expressions are not XML-escaped.

/** The five named values the policy reads, and no others (edge-api.md section 5). */
export const APIM_NAMED_VALUES = [
  'ceq-client-id',
  'ceq-client-secret',
  'ceq-token-endpoint',
  'ceq-ingress-endpoint',
  'ceq-token-acquisition-timeout',
] as const;

export type ApimScope = 'all-apis' | 'api';

export interface ApimPolicyOptions {
  /** Where the policy is applied: the All APIs (service) policy, or one API's policy. */
  scope?: ApimScope;
  /** Bodies longer than this (declared Content-Length) are not read. Default 32768. */
  maxBodyBytes?: number;
  /** Share of calls captured, 1 to 100. Default 100. */
  samplePercent?: number;
  /** Written into source_info.version. */
  version?: string;
}

export const DEFAULT_MAX_BODY_BYTES = 32768;
/** The Consumption tier's limit on a policy document. */
export const APIM_MAX_POLICY_BYTES = 16 * 1024;
/** Seconds a token request may take; the call being captured waits for it on a cache miss. */
export const TOKEN_TIMEOUT_SECONDS = 5;
/** Seconds a failed token request is remembered, so a broken token service is not hit on every call. */
export const TOKEN_FAILURE_CACHE_SECONDS = 30;
/** A cached token is dropped this many seconds before the token service says it expires. */
export const TOKEN_SAFETY_MARGIN_SECONDS = 60;

/** Headers whose values are replaced by `[redacted]` (lower-case name, C# regex). */
const SECRET_HEADER_PATTERN = '^(ocp-apim-subscription-key|ocp-apim-trace-key|x-functions-key)$|(^|-)(api-?key|secret|password|token)$';
/** Content types whose bodies are read (C# regex, lower-case). */
const TEXTUAL_PATTERN = 'json|xml|text/|form-urlencoded|graphql|javascript|yaml|csv';

interface Resolved {
  scope: ApimScope;
  maxBodyBytes: number;
  samplePercent: number;
  version: string;
}

function resolve(options: ApimPolicyOptions): Resolved {
  const scope = options.scope ?? 'all-apis';
  if (scope !== 'all-apis' && scope !== 'api') throw new Error(`scope must be all-apis or api, got ${String(scope)}`);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) throw new Error(`maxBodyBytes must be a whole number >= 0, got ${maxBodyBytes}`);
  const samplePercent = options.samplePercent ?? 100;
  if (!Number.isInteger(samplePercent) || samplePercent < 1 || samplePercent > 100) {
    throw new Error(`samplePercent must be a whole number from 1 to 100, got ${samplePercent}`);
  }
  const version = (options.version ?? '1.0.0').replace(/[^A-Za-z0-9._+-]/g, '');
  return { scope, maxBodyBytes, samplePercent, version };
}

/** C#: `h` (a JArray of "name:base64" strings) from the headers in `source`, credentials redacted. */
function headersCode(source: string): string {
  return `var h = new JArray();
    foreach (var kv in ${source}) {
      var n = kv.Key.ToLowerInvariant();
      foreach (var v0 in kv.Value) {
        var v = v0 ?? "";
        if (n == "authorization" || n == "proxy-authorization") {
          var sp = v.IndexOf(' ');
          var s = (sp > 0 ? v.Substring(sp + 1) : v).Trim().Split('.');
          v = (sp > 0 ? v.Substring(0, sp) + " " : "") + (s.Length == 3 && s[0].StartsWith("eyJ") ? s[0] + "." + s[1] + "." : "[redacted]");
        } else if (n == "cookie") {
          v = string.Join("; ", v.Split(';').Select(c => c.Split('=')[0].Trim() + "=[redacted]"));
        } else if (n == "set-cookie") {
          v = v.Split('=')[0].Trim() + "=[redacted]";
        } else if (Regex.IsMatch(n, "${SECRET_HEADER_PATTERN}")) {
          v = "[redacted]";
        }
        h.Add(kv.Key + ":" + Convert.ToBase64String(Encoding.UTF8.GetBytes(v)));
      }
    }`.replace(/\n\s+/g, '\n');
}

/** C#: sets `target["body"]` from `message` (context.Request or context.Response), within the cap. */
function bodyCode(message: string, target: string, cap: number): string {
  return `long len;
    if (long.TryParse(${message}.Headers.GetValueOrDefault("Content-Length", ""), out len) && len > 0) {
      var data = "";
      var enc = ${message}.Headers.GetValueOrDefault("Content-Encoding", "identity").Trim().ToLowerInvariant();
      if (len <= ${cap} && enc == "identity" && Regex.IsMatch(${message}.Headers.GetValueOrDefault("Content-Type", "").ToLowerInvariant(), "${TEXTUAL_PATTERN}")) {
        var b = Encoding.UTF8.GetBytes(${message}.Body.As<string>(preserveContent: true) ?? "");
        data = Convert.ToBase64String(b, 0, (int)Math.Min(b.Length, ${cap}));
        if (b.Length > ${cap}) { h.Add("cq-body-truncated:dHJ1ZQ=="); }
      } else { h.Add("cq-body-truncated:dHJ1ZQ=="); }
      ${target}["body"] = new JObject(new JProperty("length", len), new JProperty("data", data));
    }`.replace(/\n\s+/g, '\n');
}

const CAPTURING = 'context.Variables.GetValueOrDefault<bool>("tapline-capture")';

function inbound(o: Resolved): string {
  const sample = o.samplePercent >= 100 ? '@(true)' : `@(new Random().Next(100) < ${o.samplePercent})`;
  return `    <!-- Tapline capture (${o.samplePercent}% of calls): snapshot the request before other policies can reject it. -->
    <set-variable name="tapline-capture" value="${sample}" />
    <choose>
      <when condition="@(${CAPTURING})">
        <set-variable name="tapline-txn" value="@{
  try {
    var u = new Uri(context.Request.OriginalUrl.ToString());
    var ip = context.Request.IpAddress ?? "";
    ${headersCode('context.Request.Headers')}
    var r = new JObject();
    r["http-method"] = context.Request.Method;
    r["uri-query-fragment"] = Regex.Replace(u.PathAndQuery, "(?i)([?&]subscription-key=)[^&]*", "$1redacted");
    r["host"] = u.Authority;
    r["http-scheme"] = u.Scheme;
    r["client-ip"] = ip;
    r["connection"] = new JObject(new JProperty("connection-ip", ip), new JProperty("server-ip", ""), new JProperty("server-port", u.Port));
    ${bodyCode('context.Request', 'r', o.maxBodyBytes)}
    r["headers"] = h;
    var ms = (long)(context.Timestamp - new DateTime(1970, 1, 1)).TotalMilliseconds;
    var t = new JObject();
    t["timestamp"] = (ms / 1000) + "." + (ms % 1000).ToString("D3");
    t["version"] = "1.0";
    t["transaction-id"] = context.RequestId.ToString();
    t["request"] = r;
    t["txn-meta-data"] = new JObject(
      new JProperty("source_info", new JObject(new JProperty("version", "${o.version}"), new JProperty("type", "azure-apim"), new JProperty("pool_id", context.Deployment.ServiceName), new JProperty("instance_id", context.Deployment.Region))),
      new JProperty("data_extractions", new JObject(new JProperty("api_name", context.Api?.Name ?? ""), new JProperty("url_template", context.Operation?.UrlTemplate ?? ""))));
    return t.ToString(Newtonsoft.Json.Formatting.None);
  } catch { return ""; }
}" />
      </when>
    </choose>
    <base />`;
}

/** The steps that complete and send the transaction; the same in outbound and on-error. */
function forward(o: Resolved, section: 'outbound' | 'on-error'): string {
  const errorNote =
    section === 'on-error'
      ? `
    try { t["txn-meta-data"]["data_extractions"]["apim_error"] = (context.LastError?.Source ?? "") + ": " + (context.LastError?.Reason ?? ""); } catch { }`
      : '';
  return `    <base />
    <!-- Tapline capture: add the response and post the transaction once (outbound or on-error). -->
    <choose>
      <when condition="@(${CAPTURING} && !context.Variables.GetValueOrDefault<bool>("tapline-sent") && context.Variables.GetValueOrDefault<string>("tapline-txn", "") != "")">
        <set-variable name="tapline-sent" value="@(true)" />
        <set-variable name="tapline-body" value="@{
  try {
    var t = JObject.Parse(context.Variables.GetValueOrDefault<string>("tapline-txn", ""));
    var r = new JObject(new JProperty("status-code", ""));
    try {
      ${headersCode('context.Response.Headers')}
      r["status-code"] = context.Response.StatusCode.ToString();
      ${bodyCode('context.Response', 'r', o.maxBodyBytes)}
      r["headers"] = h;
    } catch { }
    t["response"] = r;
    t["txn-meta-data"]["data_extractions"]["latency_ms"] = (long)context.Elapsed.TotalMilliseconds;${errorNote}
    return t.ToString(Newtonsoft.Json.Formatting.None);
  } catch { return ""; }
}" />
        <cache-lookup-value key="tapline-token-{{ceq-client-id}}" variable-name="tapline-token" />
        <choose>
          <when condition="@(!context.Variables.ContainsKey("tapline-token"))">
            <send-request mode="new" response-variable-name="tapline-token-response" timeout="${TOKEN_TIMEOUT_SECONDS}" ignore-error="true">
              <set-url>{{ceq-token-endpoint}}</set-url>
              <set-method>POST</set-method>
              <set-header name="Content-Type" exists-action="override">
                <value>application/x-www-form-urlencoded</value>
              </set-header>
              <set-body>@("grant_type=client_credentials&client_id=" + Uri.EscapeDataString("{{ceq-client-id}}") + "&client_secret=" + Uri.EscapeDataString("{{ceq-client-secret}}"))</set-body>
            </send-request>
            <!-- "seconds to keep|token"; "${TOKEN_FAILURE_CACHE_SECONDS}|-" remembers a failure briefly. -->
            <set-variable name="tapline-grant" value="@{
  try {
    var res = (IResponse)context.Variables["tapline-token-response"];
    if (res != null && res.StatusCode == 200) {
      var j = res.Body.As<JObject>(preserveContent: true);
      var tok = (string)j["access_token"];
      int life;
      if (!int.TryParse("{{ceq-token-acquisition-timeout}}", out life)) { life = 300; }
      life = Math.Min(life, j.Value<int?>("expires_in") ?? life);
      if (!string.IsNullOrEmpty(tok) && life > 1) {
        return (life > ${2 * TOKEN_SAFETY_MARGIN_SECONDS} ? life - ${TOKEN_SAFETY_MARGIN_SECONDS} : life / 2) + "|" + tok;
      }
    }
  } catch { }
  return "${TOKEN_FAILURE_CACHE_SECONDS}|-";
}" />
            <set-variable name="tapline-token" value="@{
  try { var g = context.Variables.GetValueOrDefault<string>("tapline-grant", ""); return g.Substring(g.IndexOf('|') + 1); } catch { return "-"; }
}" />
            <cache-store-value key="tapline-token-{{ceq-client-id}}" value="@(context.Variables.GetValueOrDefault<string>("tapline-token", "-"))" duration="@{
  try { var g = context.Variables.GetValueOrDefault<string>("tapline-grant", ""); return int.Parse(g.Substring(0, g.IndexOf('|'))); } catch { return ${TOKEN_FAILURE_CACHE_SECONDS}; }
}" />
          </when>
        </choose>
        <choose>
          <when condition="@(context.Variables.GetValueOrDefault<string>("tapline-body", "") != "" && context.Variables.GetValueOrDefault<string>("tapline-token", "-") != "-")">
            <send-one-way-request mode="new" timeout="${TOKEN_TIMEOUT_SECONDS}">
              <set-url>{{ceq-ingress-endpoint}}</set-url>
              <set-method>POST</set-method>
              <set-header name="Authorization" exists-action="override">
                <value>@("Bearer " + context.Variables.GetValueOrDefault<string>("tapline-token", ""))</value>
              </set-header>
              <set-header name="Content-Type" exists-action="override">
                <value>application/json</value>
              </set-header>
              <set-body>@(context.Variables.GetValueOrDefault<string>("tapline-body", ""))</set-body>
            </send-one-way-request>
          </when>
        </choose>
      </when>
    </choose>`;
}

/** The policy document for the options (raw format: apply it with format "rawxml"). */
export function generateApimPolicy(options: ApimPolicyOptions = {}): string {
  const o = resolve(options);
  const where =
    o.scope === 'all-apis'
      ? 'Apply at the All APIs scope (the service policy): every API of this instance is captured.'
      : 'Apply to one API (its API-level policy): only that API is captured.';
  return `<!--
  Tapline capture-and-forward policy for Azure API Management (generated by \`tapline policy apim\`).
  ${where}
  Reads the named values ${APIM_NAMED_VALUES.join(', ')}.
  Bodies: textual, uncompressed content with a declared Content-Length up to ${o.maxBodyBytes} bytes
  (others: length only).
  Credentials are not forwarded: Authorization keeps its scheme (and a JWT its unsigned header and
  claims), cookies and API-key headers are redacted.
-->
<policies>
  <inbound>
${inbound(o)}
  </inbound>
  <backend>
    <base />
  </backend>
  <outbound>
${forward(o, 'outbound')}
  </outbound>
  <on-error>
${forward(o, 'on-error')}
  </on-error>
</policies>
`;
}

/** Shell commands that create the named values and apply the policy (Azure CLI, bash syntax). */
export function apimAzCommands(policyFile: string, options: ApimPolicyOptions = {}): string {
  const o = resolve(options);
  const nv = (name: string, value: string, secret = false) =>
    `az apim nv create --resource-group "$RG" --service-name "$APIM" --named-value-id ${name} --display-name ${name} --value ${value}${secret ? ' --secret true' : ''}`;
  const resource =
    o.scope === 'all-apis'
      ? 'https://management.azure.com/subscriptions/$SUBSCRIPTION/resourceGroups/$RG/providers/Microsoft.ApiManagement/service/$APIM/policies/policy?api-version=2022-08-01'
      : 'https://management.azure.com/subscriptions/$SUBSCRIPTION/resourceGroups/$RG/providers/Microsoft.ApiManagement/service/$APIM/apis/$API_ID/policies/policy?api-version=2022-08-01';
  const file = policyFile.replace(/'/g, `'\\''`);
  return [
    '# Set these first:',
    'SUBSCRIPTION=<subscription id>; RG=<resource group>; APIM=<API Management instance name>',
    ...(o.scope === 'api' ? ['API_ID=<the API id, as in `az apim api list`>'] : []),
    'TAPLINE=<https://your Tapline host>; CLIENT_ID=<client id>; CLIENT_SECRET=<client secret>',
    '',
    '# The five named values the policy reads:',
    nv('ceq-client-id', '"$CLIENT_ID"'),
    nv('ceq-client-secret', '"$CLIENT_SECRET"', true),
    nv('ceq-token-endpoint', '"$TAPLINE/auth/realms/tapline/protocol/openid-connect/token"'),
    nv('ceq-ingress-endpoint', '"$TAPLINE/api-transaction"'),
    nv('ceq-token-acquisition-timeout', '300   # the client\'s token lifespan, in seconds'),
    '',
    `# Apply the policy (${o.scope === 'all-apis' ? 'All APIs scope' : 'one API'}; raw format, expressions are not XML-escaped):`,
    `jq -Rs '{properties: {format: "rawxml", value: .}}' '${file}' > tapline-policy-body.json`,
    `az rest --method put --uri "${resource}" --body @tapline-policy-body.json`,
    '',
  ].join('\n');
}
