using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export;

/// <summary>A database with <see cref="ExportFixtures.Schema"/> and DataGuard services around it (local-disk or S3 storage).</summary>
internal sealed class ExportHarness : IAsyncDisposable
{
    private ExportHarness(TestDatabase database, ServiceProvider services, TestBucket? bucket, FaultyS3Proxy? proxy, string root)
    {
        Database = database;
        Services = services;
        Bucket = bucket;
        Proxy = proxy;
        Root = root;
    }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public TestBucket? Bucket { get; }

    /// <summary>Gets the proxy in front of S3 when the harness was created with a fault (see <see cref="CreateAsync"/>).</summary>
    public FaultyS3Proxy? Proxy { get; }

    public string Root { get; }

    /// <param name="s3">S3 storage (a bucket of its own) instead of a local folder.</param>
    /// <param name="configure">Changes the export options.</param>
    /// <param name="more">Adds or replaces services.</param>
    /// <param name="schema">The application's schema (default: <see cref="ExportFixtures.Schema"/> with its subject and link).</param>
    /// <param name="s3Fault">S3 through a <see cref="FaultyS3Proxy"/> answering what this says (no SDK retries: each attempt meets the fault once).</param>
    public static async Task<ExportHarness> CreateAsync(bool s3 = false, Action<ExportOptions>? configure = null, Action<IServiceCollection>? more = null, string? schema = null, Func<System.Net.HttpListenerRequest, int, (int Status, string Code)?>? s3Fault = null)
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await database.ExecuteAsync(schema ?? ExportFixtures.Schema);
        var bucket = s3 || s3Fault is not null ? await TestS3.CreateBucketAsync() : null;
        var proxy = s3Fault is null ? null : new FaultyS3Proxy(bucket!.Server.Endpoint, s3Fault);
        var root = Path.Combine(Path.GetTempPath(), "dataguard-export-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        var builder = services.AddDataGuard().AddPostgres(o => o.ConnectionString = database.ConnectionString);
        if (bucket is not null)
        {
            builder.AddS3Storage(o =>
            {
                bucket.Server.Configure(o, bucket.Name, "app", proxy?.Endpoint);
                if (proxy is not null)
                {
                    o.MaxRetries = 0;
                }
            });
        }
        else
        {
            builder.AddFileSystemStorage(root);
        }

        services.Configure<ExportOptions>(o =>
        {
            if (schema is null)
            {
                o.Subject.Table = "public.users";
                o.Subject.Key = "id";
                o.Links.Add(new ExportLink { From = "public.audit_log.user_id", To = "public.users.id" });
            }

            o.RateLimit = TimeSpan.Zero;
            configure?.Invoke(o);
        });
        more?.Invoke(services);
        return new ExportHarness(database, services.BuildServiceProvider(), bucket, proxy, root);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        if (Bucket is not null)
        {
            await Bucket.DisposeAsync();
        }

        await Database.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
