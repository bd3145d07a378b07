using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;
using Amazon.Runtime.Endpoints;
using Amazon.S3.Endpoints;

namespace DataGuard.S3;

/// <summary>
/// Remembers the S3 endpoints the SDK's rules resolve, per set of endpoint parameters (bucket, key, region, endpoint,
/// flags), so that the SDK's rules are evaluated once per object instead of once per request. The rules are one
/// generated method of about 28 KB of IL (<c>AmazonS3EndpointProvider.ResolveEndpoint</c>): called for every part of
/// an upload, it soon counts as hot and the runtime compiles it again, optimized, twice, which took 10 to 30 MiB of
/// the JIT's memory at once in a backup to S3 (docs/benchmarks.md). The rules are a pure function of the parameters.
/// Only the SDK's own <see cref="S3EndpointParameters"/> are cached, keyed by all their public properties (read by
/// reflection so that a parameter a later SDK adds is part of the key; <see cref="DynamicallyAccessedMembersAttribute"/>
/// keeps them when trimmed); parameters of another type or of an unexpected shape are passed through uncached.
/// </summary>
internal sealed class CachingEndpointProvider(IEndpointProvider inner) : IEndpointProvider
{
    /// <summary>How many distinct parameter sets are kept before the cache starts over.</summary>
    public const int Capacity = 256;

    /// <summary>The public properties of <see cref="S3EndpointParameters"/> by name, or null when one is not a plain string, Boolean or number.</summary>
    private static readonly PropertyInfo[]? KeyProperties = PlainProperties(typeof(S3EndpointParameters));

    private readonly ConcurrentDictionary<string, Endpoint> _resolved = new(StringComparer.Ordinal);
    private int _misses;

    /// <summary>Gets the provider whose answers are cached.</summary>
    public IEndpointProvider Inner { get; } = inner;

    /// <summary>Gets the number of parameter sets the inner provider was asked about.</summary>
    public int Misses => _misses;

    /// <inheritdoc />
    public Endpoint ResolveEndpoint(EndpointParameters parameters)
    {
        var key = parameters is null ? null : KeyOf(parameters);
        if (key is null)
        {
            return Inner.ResolveEndpoint(parameters!);
        }

        if (!_resolved.TryGetValue(key, out var endpoint))
        {
            Interlocked.Increment(ref _misses);
            endpoint = Inner.ResolveEndpoint(parameters!);
            if (_resolved.Count >= Capacity)
            {
                _resolved.Clear();
            }

            _resolved[key] = endpoint;
        }

        // The SDK changes the URL of the endpoint it is given (it appends "/"): each request gets its own.
        return new Endpoint(endpoint.URL) { Attributes = endpoint.Attributes, Headers = endpoint.Headers };
    }

    /// <summary>
    /// Every public property of the parameters, by name, each value length-prefixed; null when the parameters are not
    /// exactly <see cref="S3EndpointParameters"/> (a derived type may have properties that are not in the key) or a value
    /// is not a plain string, Boolean or number.
    /// </summary>
    private static string? KeyOf(EndpointParameters parameters)
    {
        if (parameters.GetType() != typeof(S3EndpointParameters) || KeyProperties is not { } properties)
        {
            return null;
        }

        var key = new StringBuilder(128);
        foreach (var property in properties)
        {
            var value = property.GetValue(parameters) switch
            {
                null => "-",
                string text => "s" + text,
                bool flag => flag ? "t" : "f",
                int number => "i" + number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => null,
            };
            if (value is null)
            {
                return null;
            }

            key.Append(property.Name).Append(':').Append(value.Length).Append(':').Append(value);
        }

        return key.ToString();
    }

    private static PropertyInfo[]? PlainProperties([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)] Type type)
    {
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.CanRead)
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .ToArray();
        var plain = properties.All(p => (Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType) is var t && (t == typeof(string) || t == typeof(bool) || t == typeof(int)));
        return plain && properties.Length > 0 ? properties : null;
    }
}
