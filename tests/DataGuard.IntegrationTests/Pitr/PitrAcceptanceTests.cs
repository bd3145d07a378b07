using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DataGuard.Backup;
using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Pitr;
using DataGuard.Postgres.Pitr;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// The acceptance test of point-in-time recovery: a real cluster whose archive_command is `dataguard wal push`, a base
/// backup, marker rows at t1, t2, t3 with WAL switches between them, and restores (restore_command = `dataguard wal
/// fetch`) to t2 by time, by LSN and by restore point, and to the latest point.
/// </summary>
public sealed class PitrAcceptanceTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"dataguard-pitr-{Guid.NewGuid():N}");
    private readonly List<string> _restoredDirs = [];
    private string _connectionString = null!;
    private string _config = null!;
    private ServiceProvider _services = null!;

    private static string Cli => PostgresCli.Dll;

    private string StateDir => Path.Combine(_root, "cluster");

    private string Storage => Path.Combine(_root, "storage");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(StateDir);
        Directory.CreateDirectory(Storage);
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(StateDir, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Storage, (UnixFileMode)0b111_111_111);
        _config = Path.Combine(_root, "dataguard.json");
        await File.WriteAllTextAsync(_config, JsonSerializer.Serialize(new { DataGuard = new { Storage = new { Provider = "FileSystem", FileSystem = new { Root = Storage } } } }));
        File.SetUnixFileMode(_config, (UnixFileMode)0b110_100_100);

        var (code, output, error) = await ProcessRunner.RunAsync(
            "bash",
            [RepositoryPaths.ServicesScript, "start", "postgres"],
            new Dictionary<string, string>
            {
                ["DATAGUARD_STATE_DIR"] = StateDir,
                ["DATAGUARD_PG_ARCHIVE_COMMAND"] = $"dotnet {Cli} wal push %p --config {_config}",
            });
        Assert.True(code == 0, error);
        _connectionString = ServicesScript.ParseExports(output)["DATAGUARD_TEST_POSTGRES"];

        var services = new ServiceCollection();
        services.AddDataGuard(o => o.Backup.Compression.Level = 1).AddPostgres(o => o.ConnectionString = _connectionString).AddFileSystemStorage(Storage);
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        foreach (var dir in _restoredDirs)
        {
            await ProcessRunner.RunAsync("runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", dir, "-m", "immediate", "stop"]);
        }

        await _services.DisposeAsync();
        await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "stop"], new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = StateDir });
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Restores_to_a_time_an_LSN_a_restore_point_and_the_latest_point()
    {
        var backups = _services.GetRequiredService<BackupService>();
        await ExecuteAsync("CREATE TABLE markers (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        var baseBackup = await backups.RunAsync("physical");
        Assert.Equal(BackupStatus.Verified, baseBackup.Status);

        await ExecuteAsync("INSERT INTO markers (n) VALUES (1)");
        await ScalarAsync("SELECT pg_switch_wal()::text");
        await ExecuteAsync("INSERT INTO markers (n) VALUES (2)");
        var lsn2 = await ScalarAsync("SELECT pg_current_wal_insert_lsn()::text");
        var t2 = DateTimeOffset.Parse(await ScalarAsync("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"), System.Globalization.CultureInfo.InvariantCulture);
        await _services.GetRequiredService<RestorePoints>().MarkAsync("after-two");
        await ScalarAsync("SELECT pg_switch_wal()::text");
        await Task.Delay(1100);
        await ExecuteAsync("INSERT INTO markers (n) VALUES (3)");
        var last = await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())");
        await WaitForArchiveAsync(last);

        Assert.Equal(new[] { 1, 2 }, await RestoreAndReadAsync(PitrTarget.AtTime(t2)));
        Assert.Equal(new[] { 1, 2 }, await RestoreAndReadAsync(PitrTarget.AtLsn(lsn2)));
        Assert.Equal(new[] { 1, 2 }, await RestoreAndReadAsync(PitrTarget.AtRestorePoint("after-two")));
        Assert.Equal(new[] { 1, 2, 3 }, await RestoreAndReadAsync(PitrTarget.Latest));
    }

    [Fact]
    public async Task Asynchronous_archiving_through_a_spool_folder_restores_to_the_latest_point()
    {
        // archive_command only copies into the spool (no process per segment); the archiver pushes in parallel.
        var spool = Path.Combine(_root, "spool");
        Directory.CreateDirectory(spool);
        File.SetUnixFileMode(spool, (UnixFileMode)0b111_111_111);
        await ExecuteAsync($"ALTER SYSTEM SET archive_command = 'test ! -f {spool}/%f && cp %p {spool}/.%f && sync {spool}/.%f && mv {spool}/.%f {spool}/%f && sync {spool}'");
        await ScalarAsync("SELECT pg_reload_conf()::text");
        using var stop = new CancellationTokenSource();

        // The archiver runs as root here, and the restored server's restore_command as postgres: one storage root for
        // two OS users, shared through a group as docs/storage.md says (files 0640, folders 2750 in a setgid root).
        var (chgrp, _, chgrpError) = await ProcessRunner.RunAsync("chgrp", ["postgres", Storage]);
        Assert.True(chgrp == 0, chgrpError);
        File.SetUnixFileMode(Storage, UnixFileMode.SetGroup | (UnixFileMode)0b111_111_000);
        var shared = new ServiceCollection();
        shared.AddDataGuard(o =>
        {
            o.Storage.FileSystem.FileMode = "0640";
            o.Storage.FileSystem.DirectoryMode = "2750";
        }).AddPostgres(o => o.ConnectionString = _connectionString).AddFileSystemStorage(Storage);
        await using var sharedServices = shared.BuildServiceProvider();
        var archiver = sharedServices.GetRequiredService<WalSpoolArchiver>();
        var running = archiver.RunAsync(spool, parallelism: 4, TimeSpan.FromMilliseconds(200), stop.Token);

        await ExecuteAsync("CREATE TABLE markers (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        await _services.GetRequiredService<BackupService>().RunAsync("physical");
        string last = string.Empty;
        for (var i = 1; i <= 6; i++)
        {
            await ExecuteAsync($"INSERT INTO markers (n) VALUES ({i})");
            last = await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())");
        }

        await WaitForArchiveAsync(last);
        await Eventually.WaitUntilAsync(() => Task.FromResult(!Directory.EnumerateFiles(spool).Any()), TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.False((await _services.GetRequiredService<WalArchiveInspector>().InspectAsync()).HasGaps);

        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, await RestoreAndReadAsync(PitrTarget.Latest));

        // dataguard status with PITR on: the window from the base backup to the newest archived WAL, and no gaps.
        var services = new ServiceCollection();
        services.AddDataGuard(o => o.Pitr.Enabled = true).AddPostgres(o => o.ConnectionString = _connectionString).AddFileSystemStorage(Storage);
        await using var provider = services.BuildServiceProvider();
        var status = await provider.GetRequiredService<DataGuard.Postgres.Status.StatusService>().ReadAsync();
        var pitr = Assert.Single(status.Items, i => i.Part == "pitr");
        Assert.Equal(DataGuard.Postgres.Status.StatusState.Ok, pitr.State);
        Assert.StartsWith("restorable from ", pitr.Summary, StringComparison.Ordinal);
        Assert.Single(status.Items, i => i.Part == "wal");
    }

    [Fact]
    public async Task Look_ahead_archiving_from_pg_wal_restores_to_the_latest_point()
    {
        // archive_command only waits for the resident archiver's record of each file, which reads pg_wal itself.
        var records = Path.Combine(_root, "records");
        Directory.CreateDirectory(records);
        File.SetUnixFileMode(records, (UnixFileMode)0b111_101_101);
        await ExecuteAsync($"ALTER SYSTEM SET archive_command = '{WalReadyArchiver.ArchiveCommand(records).Replace("'", "''", StringComparison.Ordinal)}'");
        await ScalarAsync("SELECT pg_reload_conf()::text");
        var (chgrp, _, chgrpError) = await ProcessRunner.RunAsync("chgrp", ["postgres", Storage]);
        Assert.True(chgrp == 0, chgrpError);
        File.SetUnixFileMode(Storage, UnixFileMode.SetGroup | (UnixFileMode)0b111_111_000);
        var shared = new ServiceCollection();
        shared.AddDataGuard(o =>
        {
            o.Storage.FileSystem.FileMode = "0640";
            o.Storage.FileSystem.DirectoryMode = "2750";
        }).AddPostgres(o => o.ConnectionString = _connectionString).AddFileSystemStorage(Storage);
        await using var sharedServices = shared.BuildServiceProvider();
        using var stop = new CancellationTokenSource();
        var running = sharedServices.GetRequiredService<WalReadyArchiver>().RunAsync(Path.Combine(StateDir, "pg", "data"), records, parallelism: 4, TimeSpan.FromMilliseconds(50), stop.Token);

        await ExecuteAsync("CREATE TABLE markers (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        await _services.GetRequiredService<BackupService>().RunAsync("physical");
        string last = string.Empty;
        for (var i = 1; i <= 6; i++)
        {
            await ExecuteAsync($"INSERT INTO markers (n) VALUES ({i})");
            last = await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())");
        }

        await WaitForArchiveAsync(last);
        Assert.False(running.IsCompleted);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        Assert.False((await _services.GetRequiredService<WalArchiveInspector>().InspectAsync()).HasGaps);
        Assert.Equal(new[] { 1, 2, 3, 4, 5, 6 }, await RestoreAndReadAsync(PitrTarget.Latest));
    }

    [Fact]
    public async Task A_physical_drill_recovers_the_latest_point_runs_the_checks_and_removes_its_server()
    {
        await ExecuteAsync("CREATE TABLE markers (n int PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())");
        await _services.GetRequiredService<BackupService>().RunAsync("physical");
        await ExecuteAsync("INSERT INTO markers (n) SELECT generate_series(1, 7)");
        await WaitForArchiveAsync(await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())"));
        var options = _services.GetRequiredService<Microsoft.Extensions.Options.IOptions<DataGuard.Postgres.Drills.DrillOptions>>().Value;
        options.RestoreCommand = $"dotnet {Cli} wal fetch %f %p --config {_config}";
        options.PhysicalDataRoot = _root;
        options.Checks.Add(new DataGuard.Postgres.Drills.DrillCheckOptions { Name = "markers", Sql = "SELECT count(*) FROM markers", Expected = "7" });

        var report = await _services.GetRequiredService<DataGuard.Postgres.Drills.DrillService>().RunPhysicalAsync();
        Assert.True(report.Passed, report.Error ?? string.Join("; ", report.Checks.Select(c => $"{c.Name}: {c.Detail}")));
        Assert.Equal(["recovery", "isolation", "markers"], report.Checks.Select(c => c.Name));
        Assert.Contains("archive ends at ", report.Checks[0].Detail, StringComparison.Ordinal);
        Assert.Contains("no subscriptions", report.Checks[1].Detail, StringComparison.Ordinal);
        Assert.True(report.RtoSeconds > 0);
        Assert.InRange(report.RpoSeconds!.Value, 0, 300);
        Assert.Empty(Directory.EnumerateDirectories(_root, "dataguard-drill-*"));
        Assert.Equal(7, int.Parse(await ScalarAsync("SELECT count(*)::text FROM markers"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_segment_missing_from_the_middle_is_reported_and_a_restore_past_it_is_refused_naming_it()
    {
        var backups = _services.GetRequiredService<BackupService>();
        await backups.RunAsync("physical");
        string last = string.Empty;
        for (var i = 0; i < 4; i++)
        {
            await ExecuteAsync($"CREATE TABLE IF NOT EXISTS filler (i int); INSERT INTO filler SELECT generate_series(1, 1000)");
            last = await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())");
        }

        await WaitForArchiveAsync(last);
        var inspector = _services.GetRequiredService<WalArchiveInspector>();
        Assert.False((await inspector.InspectAsync()).HasGaps);

        var segments = Directory.GetFiles(Path.Combine(Storage, "wal", "00000001")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var victim = segments[^3]!;
        File.Delete(Path.Combine(Storage, "wal", "00000001", victim));
        var missing = victim[..24];

        var status = await inspector.InspectAsync();
        var gap = Assert.Single(status.Timelines.Single().Gaps);
        Assert.Equal(missing, gap.From);

        using var cli = new Cli.CliRunner();
        var printed = await cli.RunAsync("wal", "status", "--config", _config);
        Assert.Equal(1, printed.ExitCode);
        Assert.Contains($"GAP: {missing}", printed.Output);

        var dir = Path.Combine(_root, "past-the-gap");
        var ex = await Assert.ThrowsAsync<DataGuardException>(() => _services.GetRequiredService<PitrRestoreService>().RestoreAsync(
            new PitrRestoreRequest { DataDirectory = dir, Target = PitrTarget.Latest, RestoreCommand = "false" }));
        Assert.Contains(missing, ex.Message);
        Assert.False(Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any());
    }

    [Fact]
    public async Task Window_retention_removes_old_base_backups_and_the_WAL_only_they_needed()
    {
        var backups = _services.GetRequiredService<BackupService>();
        var first = await backups.RunAsync("physical");
        await ExecuteAsync("CREATE TABLE filler (i int); INSERT INTO filler SELECT generate_series(1, 1000)");
        await ScalarAsync("SELECT pg_switch_wal()::text");
        var second = await backups.RunAsync("physical");
        await ExecuteAsync("INSERT INTO filler SELECT generate_series(1, 1000)");
        await WaitForArchiveAsync(await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())"));
        var walBefore = Directory.GetFiles(Path.Combine(Storage, "wal", "00000001")).Length;

        // Ten days later, with a 7-day window: the second base backup is where recovery to the window's start begins.
        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(10));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(later);
        services.AddDataGuard(o => o.Pitr.WindowDays = 7).AddPostgres(o => o.ConnectionString = _connectionString).AddFileSystemStorage(Storage);
        await using var provider = services.BuildServiceProvider();
        var pruning = provider.GetRequiredService<BackupService>();

        var dryRun = await pruning.PruneAsync(dryRun: true);
        Assert.Equal([first.Id], dryRun.Deleted.Select(b => b.Id));
        Assert.NotEmpty(dryRun.ExpiredWal);
        Assert.Equal(walBefore, Directory.GetFiles(Path.Combine(Storage, "wal", "00000001")).Length);

        var pruned = await pruning.PruneAsync(dryRun: false);
        var remaining = (await pruning.GetCatalogAsync()).Backups.Select(b => b.Id).ToList();
        Assert.Equal([second.Id], remaining);
        Assert.Equal(walBefore - pruned.ExpiredWal.Count, Directory.GetFiles(Path.Combine(Storage, "wal", "00000001")).Length);
        var status = await provider.GetRequiredService<WalArchiveInspector>().InspectAsync();
        Assert.False(status.HasGaps);
        var startSegment = WalSegmentNumbers.OfLsn(Lsn.Parse(second.Wal!.StartLsn), 16 * 1024 * 1024);
        Assert.Equal(WalSegmentNumbers.Name("00000001", startSegment, 16 * 1024 * 1024), status.Timelines.Single().First);
    }

    [Fact]
    public async Task A_base_backup_whose_manifest_cannot_be_read_is_kept_with_all_the_WAL_it_may_need()
    {
        var backups = _services.GetRequiredService<BackupService>();
        var first = await backups.RunAsync("physical");
        await ExecuteAsync("CREATE TABLE filler (i int); INSERT INTO filler SELECT generate_series(1, 1000)");
        await ScalarAsync("SELECT pg_switch_wal()::text");
        var second = await backups.RunAsync("physical");
        await ExecuteAsync("INSERT INTO filler SELECT generate_series(1, 1000)");
        await WaitForArchiveAsync(await ScalarAsync("SELECT pg_walfile_name(pg_switch_wal())"));
        var walBefore = Directory.GetFiles(Path.Combine(Storage, "wal"), "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var firstFolder = Path.Combine(Storage, "backups", first.Id);
        await File.WriteAllTextAsync(Path.Combine(firstFolder, "manifest.json"), "{\"formatVersion\": 1, \"id\": \"" + first.Id + "\", \"ki");
        var firstFiles = Directory.GetFiles(firstFolder).Order(StringComparer.Ordinal).ToList();

        // Ten days later, with a 7-day window: without the first backup's manifest nobody knows which WAL it needs.
        var later = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(10));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(later);
        services.AddDataGuard(o => o.Pitr.WindowDays = 7).AddPostgres(o => o.ConnectionString = _connectionString).AddFileSystemStorage(Storage);
        await using var provider = services.BuildServiceProvider();
        var pruned = await provider.GetRequiredService<BackupService>().PruneAsync(dryRun: false);

        Assert.Empty(pruned.ExpiredWal);
        Assert.Contains(first.Id, pruned.WalRetentionHeldBecause);
        Assert.All(walBefore, file => Assert.True(File.Exists(file), file));
        Assert.Equal([.. firstFiles, Path.Combine(firstFolder, BackupIds.QuarantineName)], Directory.GetFiles(firstFolder).Order(StringComparer.Ordinal));
        Assert.Equal([second.Id], (await provider.GetRequiredService<BackupService>().GetCatalogAsync()).Backups.Select(b => b.Id));
    }

    [Fact]
    public async Task Restoring_into_a_non_empty_directory_is_refused()
    {
        var dir = Path.Combine(_root, "occupied");
        Directory.CreateDirectory(dir);
        await File.WriteAllTextAsync(Path.Combine(dir, "keep.txt"), "mine");
        var ex = await Assert.ThrowsAsync<RestoreRefusedException>(() => _services.GetRequiredService<PitrRestoreService>().RestoreAsync(
            new PitrRestoreRequest { DataDirectory = dir, Target = PitrTarget.Latest, RestoreCommand = "false" }));
        Assert.Contains("not empty", ex.Message);
        Assert.Equal("mine", await File.ReadAllTextAsync(Path.Combine(dir, "keep.txt")));
    }

    private async Task<int[]> RestoreAndReadAsync(PitrTarget target)
    {
        var dir = Path.Combine(_root, $"restored-{_restoredDirs.Count}");
        _restoredDirs.Add(dir);
        var port = FreePort();
        var result = await _services.GetRequiredService<PitrRestoreService>().RestoreAsync(new PitrRestoreRequest
        {
            DataDirectory = dir,
            Target = target,
            RestoreCommand = $"dotnet {Cli} wal fetch %f %p --config {_config}",
            Port = port,
            Start = true,
            WaitTimeout = TimeSpan.FromMinutes(3),
        });
        Assert.True(result.Started);
        Assert.Equal(target.Kind == PitrTargetKind.Latest ? "promoted" : "paused at target", result.State);
        if (target.Kind == PitrTargetKind.Latest)
        {
            // Recovery reached the newest archived segment (the end of the last one, a WAL switch, is the next one's start).
            var newest = Directory.GetFiles(Path.Combine(Storage, "wal", "00000001")).Select(f => Path.GetFileName(f)[..24]).Where(WalFileName.IsSegment).Max(StringComparer.Ordinal);
            Assert.Equal(newest, result.ArchiveEnd);
            Assert.Equal(newest, result.ReachedSegment);
        }
        var restored = new NpgsqlConnectionStringBuilder(_connectionString) { Port = port, Pooling = false };
        await using var connection = new NpgsqlConnection(restored.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(array_agg(n ORDER BY n), '{}') FROM markers", connection);
        return (int[])(await command.ExecuteScalarAsync())!;
    }

    private async Task WaitForArchiveAsync(string segment)
    {
        for (var i = 0; i < 600; i++)
        {
            var archived = await ScalarAsync("SELECT coalesce(last_archived_wal, '') || '|' || failed_count || '|' || coalesce(last_failed_wal, '') FROM pg_stat_archiver");
            if (string.CompareOrdinal(archived.Split('|')[0], segment) >= 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"segment {segment} was not archived in time: {await ScalarAsync("SELECT row(pg_stat_archiver.*)::text FROM pg_stat_archiver")}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<string> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
