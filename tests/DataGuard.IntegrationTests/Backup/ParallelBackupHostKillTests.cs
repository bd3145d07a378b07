using System.Text.Json;
using DataGuard.IntegrationTests.Chaos;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace DataGuard.IntegrationTests.Backup;

/// <summary>
/// A host SIGKILLed during a parallel backup: pg_dump must not run on writing unencrypted files, and what it left in
/// the staging folder must be found (doctor) and removed by the next backup.
/// </summary>
public sealed class ParallelBackupHostKillTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("dg-hostkill-");

    public void Dispose()
    {
        foreach (var pid in PgDumpsWriting(_folder.FullName))
        {
            System.Diagnostics.Process.GetProcessById(pid).Kill();
        }

        _folder.Delete(recursive: true);
    }

    [Fact]
    public async Task A_SIGKILLed_host_leaves_no_pg_dump_running_and_the_next_backup_removes_its_staging_folder()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await SeedAsync(database.ConnectionString);

        // PostgreSQL seen through a link of 8 MB/s: pg_dump is mid-dump for about a minute, whatever the machine's
        // speed, so one that outlives its host is still running when the test looks.
        var direct = new NpgsqlConnectionStringBuilder(database.ConnectionString);
        await using var slow = new ThrottlingProxy(direct.Host!, direct.Port, 8 * 1024 * 1024);
        var throughProxy = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = slow.Port }.ConnectionString;
        var staging = Path.Combine(_folder.FullName, "staging");
        var config = Path.Combine(_folder.FullName, "dataguard.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            DataGuard = new
            {
                Postgres = new { ConnectionString = throughProxy },
                Storage = new { Provider = "FileSystem", FileSystem = new { Root = Path.Combine(_folder.FullName, "store") } },
                Backup = new
                {
                    Parallelism = 2,
                    StagingDirectory = staging,
                    Encryption = new { KeyId = "k1", Key = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) },
                },
            },
        }));

        using var run = ChaosProcess.Start(["backup", "run", "--config", config]);
        string? folder = null;
        await Eventually.WaitUntilAsync(() => Task.FromResult(run.HasExited || (folder = FolderWithLargeFile(staging)) is not null), TimeSpan.FromSeconds(180));
        Assert.True(folder is not null, $"the backup ended before it could be killed mid-dump: {run.Describe()}");
        var dumps = PgDumpsWriting(staging);
        Assert.NotEmpty(dumps);

        // The staging folder is private and names its owner.
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
        Assert.Contains($".{run.Id}.", Path.GetFileName(folder), StringComparison.Ordinal);

        // Polled: waiting for the process would also wait for its output pipes, which a surviving pg_dump holds open.
        run.Kill();
        await Eventually.WaitUntilAsync(() => Task.FromResult(run.HasExited), TimeSpan.FromSeconds(30));

        // pg_dump (leader and workers) dies with its host instead of dumping on for minutes into the unencrypted folder.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (PgDumpsWriting(staging).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var survivors = PgDumpsWriting(staging);
        Assert.True(survivors.Count == 0, $"pg_dump processes {string.Join(", ", survivors)} of the killed run still run 15 s after it was killed (of {string.Join(", ", dumps)})");
        Assert.True(Directory.Exists(folder), "the killed run's staging folder is left (nothing removed it yet)");

        // doctor reports it.
        var doctor = await CliProcess.RunAsync(["doctor", "--config", config]);
        output.WriteLine(doctor.Output);
        Assert.Equal(1, doctor.ExitCode);
        Assert.Matches(@"FAIL\s+staging\s+1 staging folder", doctor.Output);
        Assert.Contains(folder, doctor.Output, StringComparison.Ordinal);

        // The next backup removes it, says so, and succeeds (the large table dropped: this run need not be long).
        await ExecuteAsync(database.ConnectionString, "DROP TABLE large");
        using var next = await ChaosProcess.RunAsync(["backup", "run", "--config", config], TimeSpan.FromMinutes(3));
        output.WriteLine(next.Describe());
        Assert.True(next.ExitCode == 0, next.Describe());
        Assert.False(Directory.Exists(folder), $"{folder} is still there after the next backup");
        Assert.Empty(Directory.EnumerateFileSystemEntries(staging));
        Assert.Contains($"Removed the staging folder {folder}", next.Output + next.Error, StringComparison.Ordinal);
    }

    /// <summary>About 400 MB of COPY output in one table (small on disk: it compresses), and a small one.</summary>
    private static Task SeedAsync(string connectionString) => ExecuteAsync(connectionString, """
        CREATE TABLE large AS SELECT g AS id, repeat(md5(g::text), 32768) AS payload FROM generate_series(1, 400) g;
        CREATE TABLE small AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 5000) g;
        """);

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The staging folder whose dump holds a data file of more than 20 MB (the large table, being written), if any.</summary>
    private static string? FolderWithLargeFile(string staging)
    {
        if (!Directory.Exists(staging))
        {
            return null;
        }

        foreach (var folder in Directory.EnumerateDirectories(staging))
        {
            var dump = Path.Combine(folder, "dump");
            if (Directory.Exists(dump) && new DirectoryInfo(dump).EnumerateFiles("*.dat").Any(f => f.Length > 20 * 1024 * 1024))
            {
                return folder;
            }
        }

        return null;
    }

    /// <summary>The pg_dump processes (leader and workers, not zombies) whose --file is under <paramref name="root"/>.</summary>
    private static List<int> PgDumpsWriting(string root)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var arguments = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                if (state != 'Z' && arguments[0].EndsWith("pg_dump", StringComparison.Ordinal) && arguments.Any(a => a.StartsWith($"--file={root}", StringComparison.Ordinal)))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone.
            }
        }

        return found;
    }

    /// <summary>A TCP forwarder whose server-to-client direction carries at most a given number of bytes per second.</summary>
    private sealed class ThrottlingProxy : IAsyncDisposable
    {
        private readonly System.Net.Sockets.TcpListener _listener = new(System.Net.IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly string _host;
        private readonly int _port;
        private readonly long _bytesPerSecond;
        private readonly Task _accepting;

        public ThrottlingProxy(string host, int port, long bytesPerSecond)
        {
            (_host, _port, _bytesPerSecond) = (host, port, bytesPerSecond);
            _listener.Start();
            Port = ((System.Net.IPEndPoint)_listener.LocalEndpoint).Port;
            _accepting = Task.Run(AcceptAsync);
        }

        public int Port { get; }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = Task.Run(() => ForwardAsync(client));
            }
        }

        private async Task ForwardAsync(System.Net.Sockets.TcpClient client)
        {
            using var server = new System.Net.Sockets.TcpClient();
            using (client)
            {
                try
                {
                    await server.ConnectAsync(_host, _port, _stop.Token);
                    using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    var up = client.GetStream().CopyToAsync(server.GetStream(), done.Token);
                    var down = CopyThrottledAsync(server.GetStream(), client.GetStream(), done.Token);
                    await Task.WhenAny(up, down);
                    await done.CancelAsync();
                }
                catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // One side went away (a killed pg_dump, the end of the test).
                }
            }
        }

        private async Task CopyThrottledAsync(Stream from, Stream to, CancellationToken cancellationToken)
        {
            var buffer = new byte[64 * 1024];
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long sent = 0;
            int read;
            while ((read = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                sent += read;
                var due = TimeSpan.FromSeconds((double)sent / _bytesPerSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, cancellationToken);
                }
            }
        }
    }
}
