using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using DataGuard.Configuration;
using DataGuard.IntegrationTests.Backup;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.IntegrationTests.Storage;

/// <summary>
/// Local-disk storage and the CLI's output files hold dumps and personal data: 0600 files in 0700 folders whatever the
/// umask (or the configured modes), and a write reported done is durable: the folder is flushed after the rename.
/// </summary>
public sealed partial class FileSystemPermissionsTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"dataguard-perm-{Guid.NewGuid():N}");

    public FileSystemPermissionsTests()
    {
        Directory.CreateDirectory(_folder);

        // The usual umask, which leaves new files readable by every local user unless the code says otherwise.
        _ = Umask(0b000_010_010);
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_backup_on_local_disk_is_0600_files_in_0700_folders_whatever_the_umask()
    {
        await using var harness = await BackupHarness.CreateAsync();
        await SampleData.SeedAsync(harness.Database.ConnectionString, users: 10);
        var manifest = await harness.Backups.RunAsync();

        var files = Directory.EnumerateFiles(harness.DiskRoot!, "*", SearchOption.AllDirectories).ToList();
        Assert.Contains(files, f => f.EndsWith(manifest.DataKey, StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("manifest.json", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Equal(Private, File.GetUnixFileMode(f)));
        Assert.All(Directory.EnumerateDirectories(harness.DiskRoot!, "*", SearchOption.AllDirectories).Append(harness.DiskRoot!), d => Assert.Equal(PrivateFolder, File.GetUnixFileMode(d)));
    }

    [Fact]
    public async Task Configured_modes_are_applied_exactly()
    {
        var root = Path.Combine(_folder, "shared", "root");
        var storage = new FileSystemBackupStorage(new FileSystemStorageOptions { Root = root, FileMode = "0640", DirectoryMode = "2750" }, NullLogger<FileSystemBackupStorage>.Instance);

        await storage.WriteAsync("exports/job/data.json", new MemoryStream([1, 2, 3]));

        Assert.Equal((UnixFileMode)0b110_100_000, File.GetUnixFileMode(Path.Combine(root, "exports", "job", "data.json")));
        foreach (var folder in new[] { Path.Combine(_folder, "shared"), root, Path.Combine(root, "exports"), Path.Combine(root, "exports", "job") })
        {
            Assert.Equal(UnixFileMode.SetGroup | (UnixFileMode)0b111_101_000, File.GetUnixFileMode(folder));
        }
    }

    [Fact]
    public async Task An_invalid_mode_is_a_configuration_error_of_the_cli()
    {
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new { Storage = new { Provider = "FileSystem", FileSystem = new { Root = _folder, FileMode = "0644", DirectoryMode = "0777" } } });

        var result = await cli.RunAsync("backup", "list", "--config", config);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("DataGuard:Storage:FileSystem:DirectoryMode", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_and_runbook_files_written_with_out_are_0600()
    {
        await using var database = await TestPostgres.CreateDatabaseAsync();
        await SampleData.SeedAsync(database.ConnectionString, users: 10);
        using var cli = new CliRunner();
        var config = cli.WriteConfig(new
        {
            Postgres = new { database.ConnectionString },
            Storage = new { Provider = "FileSystem", FileSystem = new { Root = Path.Combine(_folder, "storage") } },
            Export = new { Subject = new { Table = "public.users", Key = "id" } },
        });
        var table = Path.Combine(_folder, "users.csv");
        var subject = Path.Combine(_folder, "subject.json");
        var runbook = Path.Combine(_folder, "runbook.md");

        // An existing, world-readable file is replaced by a private one.
        await File.WriteAllTextAsync(subject, "old");
        File.SetUnixFileMode(subject, (UnixFileMode)0b110_100_100);

        Assert.Equal(0, (await cli.RunAsync("export", "table", "public.users", "--out", table, "--config", config)).ExitCode);
        var exported = await cli.RunAsync("export", "subject", "1", "--out", subject, "--config", config);
        Assert.True(exported.ExitCode == 0, exported.All);
        Assert.Equal(0, (await cli.RunAsync("runbook", "--out", runbook, "--config", config)).ExitCode);

        foreach (var file in new[] { table, subject, runbook })
        {
            Assert.True(new FileInfo(file).Length > 10, file);
            Assert.Equal(Private, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task Wal_push_takes_its_name_without_replacing_and_flushes_the_folder_and_the_parents_of_the_folders_it_created()
    {
        Assert.True(File.Exists("/usr/bin/strace"), "this test watches the system calls of `dataguard wal push` with strace (apt-get install strace)");
        var root = Path.Combine(_folder, "storage");
        var config = Path.Combine(_folder, "dataguard.json");
        await File.WriteAllTextAsync(config, System.Text.Json.JsonSerializer.Serialize(new { DataGuard = new { Storage = new { Provider = "FileSystem", FileSystem = new { Root = root } } } }));
        var segment = Path.Combine(_folder, "000000010000000000000007");
        await File.WriteAllBytesAsync(segment, new byte[1024 * 1024]);
        var trace = Path.Combine(_folder, "trace.txt");

        var (code, output, error) = await ProcessRunner.RunAsync(
            "/usr/bin/strace",
            ["-f", "-y", "-qq", "-o", trace, "-e", "trace=link,linkat,rename,renameat,renameat2,fsync,fdatasync", "dotnet", CliProcess.Dll, "wal", "push", segment, "--config", config]);
        Assert.True(code == 0, output + error);

        var folder = Path.Combine(root, "wal", "00000001");
        var final = Path.Combine(folder, "000000010000000000000007.zst");
        Assert.Equal(Private, File.GetUnixFileMode(final));
        var calls = (await File.ReadAllLinesAsync(trace)).Where(l => l.TrimEnd().EndsWith("= 0", StringComparison.Ordinal)).ToList();
        var placed = calls.FindIndex(l => RenamePattern().IsMatch(l) && l.Contains($"\"{final}\"", StringComparison.Ordinal));
        Assert.True(placed >= 0, "no rename or link to the final name:\n" + string.Join('\n', calls));

        // A push is write-once: the name is taken with link(), which fails if it exists, never with a rename that replaces.
        Assert.Matches(@"\blink(at)?\(", calls[placed]);
        Assert.Contains(calls.Skip(placed + 1), l => l.Contains($"fsync(", StringComparison.Ordinal) && l.Contains($"<{folder}>)", StringComparison.Ordinal));

        // The folders it created (wal/, wal/00000001/, and the root itself) are durable entries of their parents.
        foreach (var parent in new[] { _folder, root, Path.Combine(root, "wal") })
        {
            Assert.Contains(calls.Take(placed), l => l.Contains("fsync(", StringComparison.Ordinal) && l.Contains($"<{parent}>)", StringComparison.Ordinal));
        }
    }

    [GeneratedRegex(@"\b(link|linkat|rename|renameat|renameat2)\(")]
    private static partial Regex RenamePattern();

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint Umask(uint mask);
}
