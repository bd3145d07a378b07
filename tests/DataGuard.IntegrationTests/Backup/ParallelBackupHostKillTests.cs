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
        var staging = Path.Combine(_folder.FullName, "staging");
        var config = Path.Combine(_folder.FullName, "dataguard.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            DataGuard = new
            {
                Postgres = new { database.ConnectionString },
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

        run.Kill();
        await run.WaitAsync(TimeSpan.FromSeconds(30));

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

    /// <summary>About 1.5 GB of COPY output in one table (small on disk: it compresses), and a small one.</summary>
    private static Task SeedAsync(string connectionString) => ExecuteAsync(connectionString, """
        CREATE TABLE large AS SELECT g AS id, repeat(md5(g::text), 32768) AS payload FROM generate_series(1, 1500) g;
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
}
