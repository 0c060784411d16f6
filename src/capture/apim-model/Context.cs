// A compile-time model of the `context` object that Azure API Management gives policy
// expressions, following the member names and types in Microsoft's policy-expression reference.
// The compile layer of the verification harness (apim-compile.ts) compiles every expression of a
// policy against these types; the execute layer (apim-emulator.ts) runs them with the concrete
// classes of Runtime.cs.
using System;
using System.Collections.Generic;
using System.Security.Cryptography.X509Certificates;

namespace ApimModel
{
    public interface IProxyRequestContext
    {
        IApi Api { get; }
        IDeployment Deployment { get; }
        TimeSpan Elapsed { get; }
        ILastError LastError { get; }
        IOperation Operation { get; }
        IProduct Product { get; }
        IRequest Request { get; }
        Guid RequestId { get; }
        IResponse Response { get; }
        ISubscription Subscription { get; }
        DateTime Timestamp { get; }
        bool Tracing { get; }
        IUser User { get; }
        IReadOnlyDictionary<string, object> Variables { get; }
        void Trace(string message);
    }

    public interface IApi
    {
        string Id { get; }
        string Name { get; }
        string Path { get; }
        IEnumerable<string> Protocols { get; }
        IUrl ServiceUrl { get; }
        string Version { get; }
        string Revision { get; }
    }

    public interface IDeployment
    {
        string Gateway { get; }
        string GatewayId { get; }
        string Region { get; }
        string ServiceId { get; }
        string ServiceName { get; }
        IReadOnlyDictionary<string, X509Certificate2> Certificates { get; }
    }

    public interface ILastError
    {
        string Source { get; }
        string Reason { get; }
        string Message { get; }
        string Scope { get; }
        string Section { get; }
        string Path { get; }
        string PolicyId { get; }
    }

    public interface IOperation
    {
        string Id { get; }
        string Method { get; }
        string Name { get; }
        string UrlTemplate { get; }
    }

    public interface IProduct
    {
        string Id { get; }
        string Name { get; }
    }

    public interface ISubscription
    {
        string Id { get; }
        string Key { get; }
        string Name { get; }
        string PrimaryKey { get; }
        string SecondaryKey { get; }
    }

    public interface IUser
    {
        string Id { get; }
        string Email { get; }
        string FirstName { get; }
        string LastName { get; }
    }

    public interface IMessageBody
    {
        T As<T>(bool preserveContent = false);
    }

    public interface IUrl
    {
        string Host { get; }
        string Path { get; }
        int Port { get; }
        IReadOnlyDictionary<string, string[]> Query { get; }
        string QueryString { get; }
        string Scheme { get; }
    }

    public interface IRequest
    {
        IMessageBody Body { get; }
        X509Certificate2 Certificate { get; }
        IReadOnlyDictionary<string, string[]> Headers { get; }
        string IpAddress { get; }
        IReadOnlyDictionary<string, string> MatchedParameters { get; }
        string Method { get; }
        IUrl OriginalUrl { get; }
        IUrl Url { get; }
    }

    public interface IResponse
    {
        IMessageBody Body { get; }
        IReadOnlyDictionary<string, string[]> Headers { get; }
        int StatusCode { get; }
        string StatusReason { get; }
    }

    /// The helpers APIM adds to its dictionaries (implemented: the execute layer runs them).
    public static class ApimExtensions
    {
        /// The variable cast to T, or the default when there is no such variable.
        public static T GetValueOrDefault<T>(this IReadOnlyDictionary<string, object> variables, string name, T defaultValue = default(T))
        {
            object value;
            return variables.TryGetValue(name, out value) ? (T)value : defaultValue;
        }

        /// Header and query dictionaries: the values joined with commas, or the default.
        public static string GetValueOrDefault(this IReadOnlyDictionary<string, string[]> values, string name, string defaultValue = null)
        {
            string[] found;
            return values.TryGetValue(name, out found) && found != null ? string.Join(",", found) : defaultValue;
        }
    }
}
