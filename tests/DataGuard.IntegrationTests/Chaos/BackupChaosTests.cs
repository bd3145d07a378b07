using DataGuard.Backup;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// Chaos on logical backups: `backup run`, `backup verify` and `restore` as processes of their own, killed with SIGKILL,
/// or with PostgreSQL or S3 stopped under them. Afterwards: what is listed as verified passes verify, a failed run
/// leaves at most an orphan (never a manifest without verified data), a restore is complete or absent, and the next run
/// succeeds.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class BackupChaosTests(ChaosLab lab, ITestOutputHelper output)
{
    public static TheoryData<ChaosFault> RunFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard, ChaosFault.StopS3, ChaosFault.ResetS3Connections], ChaosFault.StopPostgres);

    public static TheoryData<ChaosFault> VerifyFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard, ChaosFault.ResetS3Connections], ChaosFault.StopS3);

    public static TheoryData<ChaosFault> RestoreFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard, ChaosFault.StopPostgres], ChaosFault.StopS3);

    [Theory]
    [MemberData(nameof(RunFaults))]
    public Task Backup_run(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "backup run", fault, async s =>
    {
        await ChaosSource.GetAsync(lab);
        var config = lab.WriteConfig(Path.Combine(lab.Root, $"backup-{s.Tag}.json"), lab.BackupSection(ChaosSource.Database, $"backup-{s.Tag}"));
        await using var services = ChaosLab.Services(config);
        var storage = services.GetRequiredService<IBackupStorage>();
        var pgDump = new FaultPoint("pg_dump is running", () => lab.Postgres.ActivityAsync($"datname = '{ChaosSource.Database}' AND application_name = 'dataguard' AND query LIKE 'COPY %'"), 400);
        var uploaded = new FaultPoint("the archive is stored, its verification runs (no manifest yet)", () => ArchiveStoredAsync(storage), 300);

        using var run = ChaosProcess.Start(["backup", "run", "--config", config]);
        var result = await s.InjectAsync(run, lab.Postgres, fault switch
        {
            ChaosFault.KillDataGuard => [pgDump, uploaded, FaultPoint.After(0, 2500)],
            ChaosFault.StopPostgres => [pgDump, FaultPoint.After(0, 600)],
            ChaosFault.StopS3 => [pgDump, uploaded],
            _ => [pgDump, uploaded with { MaxDelayMs = 100 }],
        });

        var catalog = await BackupChecks.CatalogAsync(s, config, []);
        s.Invariant("a failed run leaves at most an orphan", result.Succeeded ? catalog.Backups.Count == 1 : catalog.Backups.Count <= 1, $"{catalog.Backups.Count} backups after one {(result.Succeeded ? "successful" : "failed")} run");
        s.Invariant("a failed run claims no backup", result.Succeeded || !run.Output.Contains("\"id\"", StringComparison.Ordinal), run.Describe());
        foreach (var manifest in catalog.Backups)
        {
            BackupChecks.RowCountsMatch(s, manifest);
        }

        using var next = await ChaosProcess.RunAsync(["backup", "run", "--config", config]);
        s.Invariant("the next run succeeds", next.ExitCode == 0, next.Describe());
        var good = catalog.Backups.Where(b => b.Status == BackupStatus.Verified).Select(b => b.Id).ToList();
        var after = await BackupChecks.CatalogAsync(s, config, good, good);
        var added = after.Backups.Where(b => catalog.Backups.All(old => old.Id != b.Id)).ToList();
        s.Invariant("the next run adds one verified backup", added.Count == 1 && added[0].Status == BackupStatus.Verified, $"{added.Count} new backups: {string.Join(", ", added.Select(b => $"{b.Id} {b.Status}"))}");
        BackupChecks.RowCountsMatch(s, added[0]);
    });

    [Theory]
    [MemberData(nameof(VerifyFaults))]
    public Task Backup_verify(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "backup verify", fault, async s =>
    {
        var source = await ChaosSource.GetAsync(lab);
        // pg_restore --list reads the table of contents and exits within tens of milliseconds: a poll for the running
        // process can miss it (then the fault point is never reached and the round fails), so its tool leaves a mark.
        var tools = ChaosTools.Create(Path.Combine(lab.Root, $"verify-tools-{s.Tag}"), lab.Postgres.PgBin, "pg_restore");
        var config = lab.WriteConfig(Path.Combine(lab.Root, $"verify-{s.Tag}.json"), new
        {
            Postgres = new { ConnectionString = lab.Postgres.ConnectionString(ChaosSource.Database), ToolsDirectory = tools.Directory },
            Storage = lab.S3Storage($"verify-{s.Tag}"),
            Backup = new { Compression = new { Level = 1 } },
        });
        await BackupChecks.CopyAsync(source.SharedConfig, config, source.SharedBackupId);

        using var verify = ChaosProcess.Start(["backup", "verify", source.SharedBackupId, "--config", config]);
        var listing = new FaultPoint("pg_restore --list started on the archive", () => Task.FromResult(tools.Started("pg_restore", "--list")), 300);
        var result = await s.InjectAsync(verify, null, fault switch
        {
            ChaosFault.KillDataGuard => [listing, FaultPoint.After(0, 1500)],
            ChaosFault.ResetS3Connections => [listing with { MaxDelayMs = 100 }],
            _ => [listing, FaultPoint.After(0, 600)],
        });
        s.Invariant("verify succeeds or says it failed", result.ExitCode is null or 0 or 1, verify.Describe());

        await BackupChecks.CatalogAsync(s, config, [source.SharedBackupId]);
        using var next = await ChaosProcess.RunAsync(["backup", "verify", source.SharedBackupId, "--config", config]);
        s.Invariant("the next run succeeds", next.ExitCode == 0 && next.Output.StartsWith("OK", StringComparison.Ordinal), next.Describe());
    });

    [Theory]
    [MemberData(nameof(RestoreFaults))]
    public Task Restore(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "restore", fault, async s =>
    {
        var source = await ChaosSource.GetAsync(lab);
        var target = $"chaos_restore_{s.Tag}";
        try
        {
            using var restore = ChaosProcess.Start(["restore", source.SharedBackupId, "--to-database", target, "--create", "--config", source.SharedConfig]);
            var restoring = new FaultPoint("pg_restore writes into the target", () => lab.Postgres.ActivityAsync($"datname = '{target}' AND application_name = 'dataguard' AND state <> 'idle'"), 1200);
            var checksum = new FaultPoint("the archive's checksum is read", () => Task.FromResult(true), 250);
            var result = await s.InjectAsync(restore, lab.Postgres, fault == ChaosFault.StopS3 ? [checksum, restoring] : [restoring, FaultPoint.After(0, 2500)]);

            var state = await TargetStateAsync(target);
            s.Trace($"target after the fault: {state}");
            s.Invariant("a restore is complete or absent, never partial", state is "absent" or "empty" or "complete", $"the target {target} is {state}");
            s.Invariant("a restore claims success only when complete", !result.Succeeded || state == "complete", $"exit 0 but the target is {state}: {restore.Describe()}");
            s.Invariant("a failed restore claims nothing", result.Succeeded || !restore.Output.Contains("Row counts match", StringComparison.Ordinal), restore.Describe());

            // The operator's next step: the same command (an existing empty target is accepted); a complete one is kept, and restored again elsewhere.
            var nextTarget = state == "complete" ? target + "_2" : target;
            using var next = await ChaosProcess.RunAsync(["restore", source.SharedBackupId, "--to-database", nextTarget, "--create", "--config", source.SharedConfig]);
            s.Invariant("the next run succeeds", next.ExitCode == 0 && next.Output.Contains("Row counts match the manifest.", StringComparison.Ordinal), next.Describe());
            s.Invariant("the next restore is complete", await TargetStateAsync(nextTarget) == "complete", nextTarget);
        }
        finally
        {
            await lab.EnsureUpAsync();
            await lab.Postgres.DropDatabaseAsync(target);
            await lab.Postgres.DropDatabaseAsync(target + "_2");
        }
    });

    private static async Task<bool> ArchiveStoredAsync(IBackupStorage storage)
    {
        var keys = new List<string>();
        await foreach (var item in storage.ListAsync("backups/"))
        {
            keys.Add(item.Key);
        }

        return keys.Any(k => k.Contains("/data.", StringComparison.Ordinal)) && !keys.Any(k => k.EndsWith("/manifest.json", StringComparison.Ordinal));
    }

    /// <summary>absent, empty (no user table), complete (every table with the source's row count) or partial.</summary>
    private async Task<string> TargetStateAsync(string database)
    {
        if (await lab.Postgres.CountAsync($"SELECT count(*) FROM pg_database WHERE datname = '{database}'") == 0)
        {
            return "absent";
        }

        var tables = await lab.Postgres.CountAsync("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'", database);
        if (tables == 0)
        {
            return "empty";
        }

        foreach (var (table, rows) in ChaosSource.RowCounts)
        {
            if (await lab.Postgres.CountAsync($"SELECT CASE WHEN to_regclass('{table}') IS NULL THEN -1 ELSE (SELECT count(*) FROM {table}) END", database) != rows)
            {
                return $"partial ({tables} tables, {table} differs)";
            }
        }

        var constraints = await lab.Postgres.CountAsync("SELECT count(*) FROM pg_constraint WHERE connamespace = 'public'::regnamespace", database);
        return constraints >= 3 ? "complete" : $"partial ({constraints} constraints)";
    }
}
