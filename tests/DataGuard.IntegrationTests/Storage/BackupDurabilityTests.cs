using System.Text.RegularExpressions;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;

namespace DataGuard.IntegrationTests.Storage;

/// <summary>
/// The archive is sent to disk while it is written (sync_file_range), and still fsynced before it takes its name and
/// before the manifest is written: a backup exists only once its manifest does, and by then its archive is durable.
/// </summary>
public sealed partial class BackupDurabilityTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"dataguard-durable-{Guid.NewGuid():N}");

    public BackupDurabilityTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_archive_is_written_back_while_streaming_and_fsynced_before_its_rename_and_the_manifest()
    {
        Assert.True(File.Exists("/usr/bin/strace"), "this test watches the system calls of `dataguard backup run` with strace (apt-get install strace)");
        await using var database = await TestPostgres.CreateDatabaseAsync();

        // About 40 MiB of incompressible text in the dump: several write-back windows of 8 MiB.
        await database.ExecuteAsync("CREATE TABLE noise (b bytea); INSERT INTO noise SELECT decode(string_agg(md5(random()::text) || md5(random()::text), ''), 'hex') FROM generate_series(1, 40000) g, generate_series(1, 16) h GROUP BY g % 16;");
        var root = Path.Combine(_folder, "storage");
        var config = Path.Combine(_folder, "dataguard.json");
        await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new { DataGuard = new { Storage = new { Provider = "FileSystem", FileSystem = new { Root = root } }, Backup = new { Compression = new { Level = 1 } } } }));
        var trace = Path.Combine(_folder, "trace.txt");

        var (code, output, error) = await ProcessRunner.RunAsync(
            "/usr/bin/strace",
            ["-f", "-y", "-qq", "-o", trace, "-e", "trace=link,linkat,rename,renameat,renameat2,fsync,fdatasync,sync_file_range", "dotnet", CliProcess.Dll, "backup", "run", "--config", config],
            new Dictionary<string, string> { ["DataGuard__Postgres__ConnectionString"] = database.ConnectionString },
            TimeSpan.FromMinutes(4));
        Assert.True(code == 0, output + error);

        var data = Directory.GetFiles(root, "data.pgdump.zst", SearchOption.AllDirectories).Single();
        Assert.True(new FileInfo(data).Length > 16 * 1024 * 1024, $"the archive is only {new FileInfo(data).Length} bytes");
        var manifest = Path.Combine(Path.GetDirectoryName(data)!, "manifest.json");
        var calls = (await File.ReadAllLinesAsync(trace)).Where(l => l.TrimEnd().EndsWith("= 0", StringComparison.Ordinal)).ToList();
        var named = calls.FindIndex(l => RenamePattern().IsMatch(l) && l.Contains($"\"{data}\"", StringComparison.Ordinal));
        var manifestNamed = calls.FindIndex(l => RenamePattern().IsMatch(l) && l.Contains($"\"{manifest}\"", StringComparison.Ordinal));
        Assert.True(named >= 0 && manifestNamed > named, "the archive must take its name before the manifest does:\n" + string.Join('\n', calls));

        // The temporary file the archive was written to: its name is in the rename.
        var temp = TempPattern().Match(calls[named]).Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(temp), calls[named]);
        var writeBacks = calls.Take(named).Count(l => l.Contains("sync_file_range(", StringComparison.Ordinal) && l.Contains($"<{temp}>", StringComparison.Ordinal));
        Assert.True(writeBacks >= 2, $"expected the archive to be sent to disk while written, saw {writeBacks} sync_file_range calls");
        var fsynced = calls.FindLastIndex(named, l => l.Contains("fsync(", StringComparison.Ordinal) && l.Contains($"<{temp}>", StringComparison.Ordinal));
        var lastWriteBack = calls.FindLastIndex(named, l => l.Contains("sync_file_range(", StringComparison.Ordinal) && l.Contains($"<{temp}>", StringComparison.Ordinal));
        Assert.True(fsynced > lastWriteBack, "the archive's fsync must come after its last write-back and before its rename");
    }

    [GeneratedRegex(@"\b(link|linkat|rename|renameat|renameat2)\(")]
    private static partial Regex RenamePattern();

    [GeneratedRegex("\"([^\"]*\\.dataguard-tmp-[0-9a-f]+)\"")]
    private static partial Regex TempPattern();
}
