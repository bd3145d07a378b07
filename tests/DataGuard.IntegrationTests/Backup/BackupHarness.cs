using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Configuration;
using DataGuard.Postgres;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>A host's DataGuard services over a test database of its own and disk or S3 storage.</summary>
public sealed class BackupHarness : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private Action<PostgresOptions>? _postgres;

    private BackupHarness(TestDatabase database) => Database = database;

    public TestDatabase Database { get; }

    public ServiceProvider Services { get; private set; } = null!;

    public BackupService Backups => Services.GetRequiredService<BackupService>();

    public IBackupStorage Storage => Services.GetRequiredService<IBackupStorage>();

    public string? DiskRoot { get; private set; }

    public TestBucket? Bucket { get; private set; }

    public static async Task<BackupHarness> CreateAsync(bool s3 = false, Action<AllOptions>? configure = null, string? s3Endpoint = null, Action<PostgresOptions>? postgres = null, Func<IBackupStorage, IBackupStorage>? wrapStorage = null)
    {
        var harness = new BackupHarness(await TestPostgres.CreateDatabaseAsync());
        Action<IDataGuardBuilder> storage;
        if (s3)
        {
            harness.Bucket = await TestS3.CreateBucketAsync();
            var bucket = harness.Bucket;
            storage = b => b.AddS3Storage(o =>
            {
                bucket.Server.Configure(o, bucket.Name, "backups-test", s3Endpoint);
                o.MaxRetries = 1;
            });
        }
        else
        {
            harness.DiskRoot = Path.Combine(Path.GetTempPath(), $"dataguard-backups-{Guid.NewGuid():N}");
            storage = b => b.AddFileSystemStorage(harness.DiskRoot);
        }

        harness._postgres = postgres;
        harness.Services = harness.BuildServices(storage, configure, wrapStorage);
        return harness;
    }

    /// <summary>Another "host" (service provider) over the same database and storage, as a second replica would be.</summary>
    public ServiceProvider CreateReplica(Action<AllOptions>? configure = null)
    {
        var storage = Bucket is null
            ? (Action<IDataGuardBuilder>)(b => b.AddFileSystemStorage(DiskRoot))
            : b => b.AddS3Storage(o => Bucket.Server.Configure(o, Bucket.Name, "backups-test"));
        return BuildServices(storage, configure);
    }

    public string ConnectionString(string? database = null) =>
        new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Database = database ?? Database.Name }.ConnectionString;

    /// <summary>A new database name on the test server, dropped with the harness.</summary>
    public string NewDatabaseName()
    {
        var name = $"dg_restore_{Guid.NewGuid():N}"[..26];
        _owned.Add(new DropDatabase(this, name));
        return name;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Services.DisposeAsync();
        await Database.DisposeAsync();
        if (Bucket is not null)
        {
            await Bucket.DisposeAsync();
        }

        if (DiskRoot is not null && Directory.Exists(DiskRoot))
        {
            Directory.Delete(DiskRoot, recursive: true);
        }
    }

    private ServiceProvider BuildServices(Action<IDataGuardBuilder> storage, Action<AllOptions>? configure, Func<IBackupStorage, IBackupStorage>? wrapStorage = null)
    {
        var services = new ServiceCollection();
        var builder = services.AddDataGuard(o =>
        {
            o.Backup.Compression.Level = 1;
            configure?.Invoke(o);
        }).AddPostgres(o =>
        {
            o.ConnectionString = Database.ConnectionString;
            _postgres?.Invoke(o);
        });
        storage(builder);
        if (wrapStorage is not null)
        {
            // A real storage underneath, with a test's fault on top (DelegatingStorage).
            var original = services.Last(d => d.ServiceType == typeof(IBackupStorage));
            services.Remove(original);
            services.AddSingleton(sp => wrapStorage(original.ImplementationFactory is { } factory
                ? (IBackupStorage)factory(sp)
                : original.ImplementationInstance as IBackupStorage ?? (IBackupStorage)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)));
        }

        var provider = services.BuildServiceProvider();
        _owned.Add(provider);
        return provider;
    }

    private sealed class DropDatabase(BackupHarness harness, string name) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            var server = await TestPostgres.GetServerAsync();
            await using var connection = new NpgsqlConnection(server.AdminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
            _ = harness;
        }
    }
}
