using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export;

/// <summary>A database with <see cref="ExportFixtures.Schema"/> and DataGuard services around it (local-disk or S3 storage).</summary>
internal sealed class ExportHarness : IAsyncDisposable
{
    private ExportHarness(TestDatabase database, ServiceProvider services, TestBucket? bucket, string root)
    {
        Database = database;
        Services = services;
        Bucket = bucket;
        Root = root;
    }

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; }

    public TestBucket? Bucket { get; }

    public string Root { get; }

    public static async Task<ExportHarness> CreateAsync(bool s3 = false, Action<ExportOptions>? configure = null, Action<IServiceCollection>? more = null, string? schema = null)
    {
        var database = await TestPostgres.CreateDatabaseAsync();
        await database.ExecuteAsync(schema ?? ExportFixtures.Schema);
        var bucket = s3 ? await TestS3.CreateBucketAsync() : null;
        var root = Path.Combine(Path.GetTempPath(), "dataguard-export-" + Guid.NewGuid().ToString("N"));
        var services = new ServiceCollection();
        var builder = services.AddDataGuard().AddPostgres(o => o.ConnectionString = database.ConnectionString);
        if (bucket is not null)
        {
            builder.AddS3Storage(o => bucket.Server.Configure(o, bucket.Name, "app"));
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
        return new ExportHarness(database, services.BuildServiceProvider(), bucket, root);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
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
