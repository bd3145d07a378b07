using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// A PostgreSQL cluster of one test's own whose archive_command is the real `dataguard wal push` (storage on disk or
/// S3, as the test configures), the library's services on the same storage, and helpers to write WAL, wait for the
/// archive and stop restored copies. Everything is removed on dispose.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PitrTestCluster : IAsyncDisposable
{
    private readonly List<string> _copies = [];

    private PitrTestCluster(string root) => Root = root;

    public static string Cli => PostgresCli.Dll;

    public string Root { get; }

    public string StateDir => Path.Combine(Root, "cluster");

    /// <summary>Gets the configuration file archive_command and restore_command use (readable by the postgres user).</summary>
    public string Config { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    public ServiceProvider Services { get; private set; } = null!;

    public string RestoreCommand => $"dotnet {Cli} wal fetch %f %p --config {Config}";

    /// <summary>Starts a cluster archiving to <paramref name="storage"/> (the DataGuard:Storage section).</summary>
    public static Task<PitrTestCluster> StartAsync(object storage, Action<IDataGuardBuilder> addStorage, string? extraConf = null) =>
        StartAsync(Path.Combine(Path.GetTempPath(), $"dataguard-pitrx-{Guid.NewGuid():N}"), storage, addStorage, extraConf);

    private static async Task<PitrTestCluster> StartAsync(string root, object storage, Action<IDataGuardBuilder> addStorage, string? extraConf)
    {
        var cluster = new PitrTestCluster(root);
        Directory.CreateDirectory(cluster.StateDir);
        File.SetUnixFileMode(cluster.Root, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(cluster.StateDir, (UnixFileMode)0b111_101_101);
        cluster.Config = cluster.WriteConfig("dataguard.json", new { Storage = storage });

        var environment = new Dictionary<string, string>
        {
            ["DATAGUARD_STATE_DIR"] = cluster.StateDir,
            ["DATAGUARD_PG_ARCHIVE_COMMAND"] = $"dotnet {Cli} wal push %p --config {cluster.Config}",
        };
        if (extraConf is not null)
        {
            environment["DATAGUARD_PG_EXTRA_CONF"] = extraConf;
        }

        var (code, output, error) = await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "start", "postgres"], environment);
        Assert.True(code == 0, error);
        cluster.ConnectionString = ServicesScript.ParseExports(output)["DATAGUARD_TEST_POSTGRES"];

        var services = new ServiceCollection();
        addStorage(services.AddDataGuard(o => o.Backup.Compression.Level = 1).AddPostgres(o => o.ConnectionString = cluster.ConnectionString));
        cluster.Services = services.BuildServiceProvider();
        return cluster;
    }

    /// <summary>Starts a cluster archiving to a folder on disk, <see cref="StorageRoot"/>.</summary>
    public static Task<PitrTestCluster> StartOnDiskAsync(string? extraConf = null)
    {
        var root = Path.Combine(Path.GetTempPath(), $"dataguard-pitrx-{Guid.NewGuid():N}");
        var storage = Path.Combine(root, "storage");
        Directory.CreateDirectory(storage);
        File.SetUnixFileMode(storage, (UnixFileMode)0b111_111_111);
        return StartAsync(root, new { Provider = "FileSystem", FileSystem = new { Root = storage } }, b => b.AddFileSystemStorage(storage), extraConf);
    }

    /// <summary>Gets the storage folder of a cluster started with <see cref="StartOnDiskAsync"/>.</summary>
    public string StorageRoot => Path.Combine(Root, "storage");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Writes a configuration file next to the cluster, readable by the postgres user.</summary>
    public string WriteConfig(string file, object dataGuard)
    {
        var path = Path.Combine(Root, file);
        File.WriteAllText(path, JsonSerializer.Serialize(new { DataGuard = dataGuard }));
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        return path;
    }

    /// <summary>A new data directory for a restored copy, stopped on dispose.</summary>
    public string NewCopyDirectory(string name)
    {
        var dir = Path.Combine(Root, name);
        _copies.Add(dir);
        return dir;
    }

    public async Task ExecuteAsync(string sql, string? database = null)
    {
        await using var connection = new NpgsqlConnection(database is null ? ConnectionString : new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<string> ScalarAsync(string sql, string? database = null)
    {
        await using var connection = new NpgsqlConnection(database is null ? ConnectionString : new NpgsqlConnectionStringBuilder(ConnectionString) { Database = database }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture)!;
    }

    /// <summary>Inserts one marker per segment and switches WAL after each; returns the segments that hold them, in order.</summary>
    public async Task<List<string>> WriteSegmentsAsync(int count)
    {
        await ExecuteAsync("CREATE TABLE IF NOT EXISTS markers (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        var first = int.Parse(await ScalarAsync("SELECT coalesce(max(n), 0) FROM markers"), CultureInfo.InvariantCulture);
        var segments = new List<string>();
        for (var i = first + 1; i <= first + count; i++)
        {
            await ExecuteAsync($"INSERT INTO markers (n) VALUES ({i})");
            segments.Add(await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())"));
        }

        await WaitForArchiveAsync(segments[^1]);
        return segments;
    }

    public async Task WaitForArchiveAsync(string segment)
    {
        for (var i = 0; i < 600; i++)
        {
            var archived = await ScalarAsync("SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver");
            if (string.CompareOrdinal(archived, segment) >= 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"segment {segment} was not archived in time: {await ScalarAsync("SELECT row(pg_stat_archiver.*)::text FROM pg_stat_archiver")}");
    }

    /// <summary>Whether a restored copy's server is running (pg_ctl status).</summary>
    public static async Task<bool> IsRunningAsync(string dataDirectory) =>
        (await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", dataDirectory, "status"])).ExitCode == 0;

    /// <summary>A connection string to a restored copy on this machine.</summary>
    public string CopyConnection(int port, string? database = null)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Port = port, Pooling = false };
        if (database is not null)
        {
            builder.Database = database;
        }

        return builder.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var dir in _copies)
        {
            await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", dir, "-m", "immediate", "stop"]);
        }

        if (Services is not null)
        {
            await Services.DisposeAsync();
        }

        await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "stop"], new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = StateDir });
        Directory.Delete(Root, recursive: true);
    }
}
