using System.Text.Json;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.IntegrationTests.Pitr;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// The chaos suite's own services, shared by its classes (one xUnit collection, so scenarios never overlap): a
/// PostgreSQL cluster and an s3rver that the suite stops and starts at will, a second cluster that archives its WAL
/// with the real <c>dataguard wal push</c>, and the configuration files the CLI processes read.
/// </summary>
public sealed class ChaosLab : IAsyncLifetime
{
    public const string Bucket = "chaos";

    /// <summary>
    /// The throwaway clusters of scripts/services.sh commit asynchronously (<c>synchronous_commit = off</c>): a crash then
    /// loses the last transactions PostgreSQL reported committed. The suite crashes PostgreSQL on purpose, so its clusters
    /// commit durably, as production does (a process crash; <c>fsync = off</c> matters only when the machine fails).
    /// </summary>
    private const string DurableCommits = "synchronous_commit = on";

    private readonly SemaphoreSlim _walGate = new(1, 1);
    private ChaosCluster? _walCluster;
    private bool _s3Down;

    /// <summary>Gets the folder of this run (configuration files, spools, fetched WAL); readable by the postgres user.</summary>
    public string Root { get; } = Path.Combine(Path.GetTempPath(), $"dataguard-chaos-{Guid.NewGuid():N}");

    internal ChaosCluster Postgres { get; private set; } = null!;

    internal PrivateS3rver S3 { get; private set; } = null!;

    /// <summary>Gets the TCP forwarder every DataGuard process reaches S3 through (so that its connections can be reset).</summary>
    internal ChaosTcpProxy S3Proxy { get; private set; } = null!;

    /// <summary>Gets the configuration file of the WAL cluster's archive_command (storage prefix <c>wal-lab</c>).</summary>
    public string WalConfig => Path.Combine(Root, "wal-lab.json");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        File.SetUnixFileMode(Root, (UnixFileMode)0b111_101_101);
        var postgres = ChaosCluster.StartAsync(Path.Combine(Root, "pg-main"), extraConf: DurableCommits);
        S3 = await PrivateS3rver.StartAsync();
        await S3.CreateBucketAsync(Bucket);
        S3Proxy = new ChaosTcpProxy(S3.Port);
        Postgres = await postgres;
    }

    public async Task DisposeAsync()
    {
        if (_walCluster is not null)
        {
            await _walCluster.DisposeAsync();
        }

        await Postgres.DisposeAsync();
        await S3Proxy.DisposeAsync();
        await S3.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The cluster whose archive_command is <c>dataguard wal push %p</c> into <see cref="WalConfig"/>'s storage; started on first use.</summary>
    internal async Task<ChaosCluster> WalClusterAsync()
    {
        await _walGate.WaitAsync();
        try
        {
            if (_walCluster is null)
            {
                WriteConfig(WalConfig, new { Storage = S3Storage("wal-lab"), Backup = new { Compression = new { Level = 1 } } });
                _walCluster = await ChaosCluster.StartAsync(
                    Path.Combine(Root, "pg-wal"),
                    $"dotnet {PitrTestCluster.Cli} wal push %p --config {WalConfig}",
                    $"{DurableCommits}\nwal_keep_size = '4GB'\narchive_timeout = 0\nmax_wal_size = '4GB'\ncheckpoint_timeout = '30min'");
                var walConfig = new { Postgres = new { ConnectionString = _walCluster.AdminConnectionString }, Storage = S3Storage("wal-lab"), Backup = new { Compression = new { Level = 1 } } };
                WriteConfig(WalConfig, walConfig);
            }

            return _walCluster;
        }
        finally
        {
            _walGate.Release();
        }
    }

    /// <summary>The <c>DataGuard:Storage</c> section for a prefix of the chaos bucket (the default retries; a bounded request timeout).</summary>
    public object S3Storage(string prefix) => new
    {
        Provider = "S3",
        S3 = new
        {
            Bucket,
            Prefix = prefix,
            ServiceUrl = S3Proxy.Endpoint,
            AccessKeyId = "S3RVER",
            SecretAccessKey = "S3RVER",
            PartSize = DataGuard.S3.S3StorageOptions.MinimumPartSize,
            RequestTimeout = "00:00:20",
        },
    };

    /// <summary>A configuration for backups of a database of the main cluster into a prefix of the chaos bucket.</summary>
    public object BackupSection(string database, string prefix) => new
    {
        Postgres = new { ConnectionString = Postgres.ConnectionString(database) },
        Storage = S3Storage(prefix),
        Backup = new { Compression = new { Level = 1 } },
    };

    /// <summary>Writes a configuration file (<c>{ "DataGuard": section }</c>) readable by the postgres user (archive_command and restore_command read it).</summary>
    public string WriteConfig(string path, object dataGuard)
    {
        File.WriteAllText(path, JsonSerializer.Serialize(new { DataGuard = dataGuard }));
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return path;
    }

    /// <summary>The DataGuard services a CLI run with this configuration file would build, for checks made in the test process.</summary>
    public static ServiceProvider Services(string config) => DataGuard.Cli.CliServices.Build(config);

    /// <summary>Kills the S3 server: every connection cut, new ones refused.</summary>
    internal void StopS3()
    {
        S3.Kill();
        _s3Down = true;
    }

    /// <summary>Brings back whatever a failed scenario left stopped, so that the next scenario starts from running services.</summary>
    internal async Task EnsureUpAsync()
    {
        if (_s3Down)
        {
            await StartS3Async();
        }

        if (!Postgres.Running)
        {
            await Postgres.StartAsync();
        }

        if (_walCluster is { Running: false })
        {
            await _walCluster.StartAsync();
        }
    }

    /// <summary>
    /// Starts the S3 server again (same port, same data). scripts/s3rver.js gives s3rver S3's write semantics, so a PUT
    /// that a kill or a reset cut off left no partial object and no damaged replaced one.
    /// </summary>
    internal async Task StartS3Async()
    {
        await S3.RestartAsync();
        _s3Down = false;
    }

}
