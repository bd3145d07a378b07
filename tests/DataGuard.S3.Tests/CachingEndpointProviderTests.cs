using Amazon.Runtime.Endpoints;
using Amazon.S3.Endpoints;

namespace DataGuard.S3.Tests;

/// <summary>
/// The S3 endpoint rules are evaluated once per set of parameters: evaluated for every request of a multipart upload,
/// the SDK's 28 KB rules method soon counted as hot and was compiled again (10 to 30 MiB of the JIT's memory).
/// </summary>
public sealed class CachingEndpointProviderTests
{
    [Fact]
    public void The_client_DataGuard_builds_caches_the_SDKs_own_rules()
    {
        using var client = S3ClientFactory.Create(new S3StorageOptions { Bucket = "b", ServiceUrl = "http://127.0.0.1:9000" });
        var caching = Assert.IsType<CachingEndpointProvider>(client.Config.EndpointProvider);
        Assert.Equal("AmazonS3EndpointProvider", caching.Inner.GetType().Name);
    }

    [Fact]
    public void Each_set_of_parameters_is_resolved_once_and_answered_with_the_SDKs_own_endpoint()
    {
        var rules = new Amazon.S3.AmazonS3Config().EndpointProvider;
        var counting = new CountingProvider(rules);
        var cached = new CachingEndpointProvider(counting);

        for (var part = 0; part < 50; part++)
        {
            var endpoint = cached.ResolveEndpoint(Parameters("backups/x/data.dump.zst"));
            Assert.Equal(rules.ResolveEndpoint(Parameters("backups/x/data.dump.zst")).URL, endpoint.URL);
        }

        Assert.Equal(1, counting.Calls);
        Assert.Equal(1, cached.Misses);

        // Another key, bucket, endpoint or flag is another question.
        cached.ResolveEndpoint(Parameters("backups/x/manifest.json"));
        cached.ResolveEndpoint(Parameters("backups/x/data.dump.zst", bucket: "other"));
        cached.ResolveEndpoint(Parameters("backups/x/data.dump.zst", endpoint: "http://127.0.0.1:9001"));
        var virtualHosted = Parameters("backups/x/data.dump.zst", endpoint: "http://127.0.0.1:9001");
        virtualHosted.ForcePathStyle = false;
        var hosted = cached.ResolveEndpoint(virtualHosted);
        Assert.Equal(rules.ResolveEndpoint(virtualHosted).URL, hosted.URL);
        Assert.Equal(5, counting.Calls);
    }

    [Fact]
    public void Every_request_gets_its_own_endpoint_object_because_the_SDK_changes_its_URL()
    {
        var cached = new CachingEndpointProvider(new Amazon.S3.AmazonS3Config().EndpointProvider);
        var first = cached.ResolveEndpoint(Parameters("k"));
        var url = first.URL;
        first.URL += "/";
        var second = cached.ResolveEndpoint(Parameters("k"));
        Assert.NotSame(first, second);
        Assert.Equal(url, second.URL);
        Assert.Same(first.Attributes, second.Attributes);
    }

    [Fact]
    public void Parameters_of_an_unknown_shape_are_not_cached()
    {
        var counting = new CountingProvider(new FixedProvider());
        var cached = new CachingEndpointProvider(counting);
        var odd = new OddParameters { When = DateTime.UnixEpoch };
        cached.ResolveEndpoint(odd);
        cached.ResolveEndpoint(odd);
        Assert.Equal(2, counting.Calls);
        Assert.Equal(0, cached.Misses);
    }

    [Fact]
    public void Every_parameter_is_part_of_the_key()
    {
        // The key is every public property of S3EndpointParameters, read by reflection (kept by the trimmer through
        // [DynamicallyAccessedMembers] on typeof(S3EndpointParameters)): a parameter that differs is another question.
        var counting = new CountingProvider(new FixedProvider());
        var cached = new CachingEndpointProvider(counting);
        cached.ResolveEndpoint(Parameters("k"));
        var properties = typeof(S3EndpointParameters).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.CanWrite)
            .ToList();
        Assert.NotEmpty(properties);
        foreach (var property in properties)
        {
            var changed = Parameters("k");
            property.SetValue(changed, property.PropertyType == typeof(string) ? "other" : !((bool?)property.GetValue(changed) ?? false));
            cached.ResolveEndpoint(changed);
            cached.ResolveEndpoint(changed);
            Assert.True(counting.Calls == cached.Misses, property.Name);
        }

        Assert.Equal(1 + properties.Count, counting.Calls);
    }

    [Fact]
    public void Parameters_of_a_type_derived_from_the_SDKs_are_not_cached()
    {
        // A derived type may carry parameters the key would not hold.
        var counting = new CountingProvider(new FixedProvider());
        var cached = new CachingEndpointProvider(counting);
        var derived = new DerivedParameters { Bucket = "b", Key = "k", Region = "us-east-1" };
        cached.ResolveEndpoint(derived);
        cached.ResolveEndpoint(derived);
        Assert.Equal(2, counting.Calls);
        Assert.Equal(0, cached.Misses);
    }

    [Fact]
    public void The_cache_starts_over_when_full()
    {
        var counting = new CountingProvider(new Amazon.S3.AmazonS3Config().EndpointProvider);
        var cached = new CachingEndpointProvider(counting);
        for (var i = 0; i <= CachingEndpointProvider.Capacity; i++)
        {
            cached.ResolveEndpoint(Parameters($"key-{i}"));
        }

        cached.ResolveEndpoint(Parameters("key-0"));
        Assert.Equal(CachingEndpointProvider.Capacity + 2, counting.Calls);
    }

    private static S3EndpointParameters Parameters(string key, string bucket = "backups", string endpoint = "http://127.0.0.1:9000") => new()
    {
        Bucket = bucket,
        Key = key,
        Region = "us-east-1",
        Endpoint = endpoint,
        ForcePathStyle = true,
        UseFIPS = false,
        UseDualStack = false,
        Accelerate = false,
        UseGlobalEndpoint = false,
        UseArnRegion = true,
        DisableMultiRegionAccessPoints = false,
    };

    private sealed class CountingProvider(IEndpointProvider inner) : IEndpointProvider
    {
        public int Calls { get; private set; }

        public Endpoint ResolveEndpoint(EndpointParameters parameters)
        {
            Calls++;
            return inner.ResolveEndpoint(parameters);
        }
    }

    private sealed class FixedProvider : IEndpointProvider
    {
        public Endpoint ResolveEndpoint(EndpointParameters parameters) => new("http://127.0.0.1:9000/");
    }

    private sealed class DerivedParameters : S3EndpointParameters
    {
        public string? Extra { get; set; }
    }

    private sealed class OddParameters : EndpointParameters
    {
        public DateTime When { get; set; }
    }
}
