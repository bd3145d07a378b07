using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Xunit.Abstractions;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// Chaos on WAL archiving: `wal push` as PostgreSQL's archive_command killed mid-push, PostgreSQL crashed while it
/// archives, S3 stopped or its connections reset; `wal fetch` killed or cut off; the asynchronous `wal archiver` (spool
/// or look-ahead) killed or cut off from S3.
/// Afterwards every file PostgreSQL counts as archived (and the archiver acknowledged by deleting it from the spool)
/// comes back from the archive byte for byte, a fetch leaves a whole file or none, and archiving catches up.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class WalChaosTests(ChaosLab lab, ITestOutputHelper output)
{
    public static TheoryData<ChaosFault> PushFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard, ChaosFault.StopS3], ChaosFault.StopPostgres, ChaosFault.ResetS3Connections);

    public static TheoryData<ChaosFault> FetchFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard], ChaosFault.StopS3, ChaosFault.ResetS3Connections);

    public static TheoryData<ChaosFault> ArchiverFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard], ChaosFault.StopS3);

    public static TheoryData<ChaosFault> LookAheadFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard], ChaosFault.StopS3, ChaosFault.ResetS3Connections);

    [Theory]
    [MemberData(nameof(PushFaults))]
    public Task Wal_push(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "wal push (archive_command)", fault, async s =>
    {
        var cluster = await lab.WalClusterAsync();
        var since = DateTime.UtcNow;
        var workload = Task.Run(() => WalChecks.WriteSegmentsAsync(cluster, 4));
        var (point, delay, outage) = s.Draw(new FaultPoint("a wal push (archive_command) is running", () => Task.FromResult(Pushes().Count > 0), fault == ChaosFault.KillDataGuard ? 150 : 300));
        await s.ReachAsync(point, () => workload.IsCompleted && Pushes().Count == 0, () => "the workload ended");
        await Task.Delay(delay);
        await s.HitAsync(cluster, outage, () => KillPushes(s), () => Settle(workload));
        try
        {
            s.Trace($"workload wrote segments {string.Join(", ", await workload)}");
        }
        catch (NpgsqlException ex)
        {
            s.Trace($"the workload was cut off by the fault: {ex.Message}");
        }

        await WalChecks.CatchUpAsync(s, cluster, TimeSpan.FromSeconds(90));
        await WalChecks.FetchIdenticalAsync(s, cluster, lab.WalConfig, WalChecks.DoneSince(cluster, since), "PostgreSQL counts as archived");
        await WalChecks.NoGapAsync(s, lab.WalConfig);
    });

    [Theory]
    [MemberData(nameof(FetchFaults))]
    public Task Wal_fetch(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "wal fetch (restore_command)", fault, async s =>
    {
        var cluster = await lab.WalClusterAsync();
        var since = DateTime.UtcNow;
        await WalChecks.CatchUpAsync(s, cluster, TimeSpan.FromSeconds(60));
        var segment = WalChecks.DoneSince(cluster, since)[^1];
        var folder = Directory.CreateDirectory(Path.Combine(lab.Root, $"fetch-{s.Tag}")).FullName;
        var destination = Path.Combine(folder, "RECOVERYXLOG");
        using var fetch = ChaosProcess.Start(["wal", "fetch", segment, destination, "--config", lab.WalConfig]);
        var writing = new FaultPoint("the segment is being written next to its destination", () => Task.FromResult(Directory.EnumerateFiles(folder).Any()), 30);
        var result = await s.InjectAsync(fetch, null, fault == ChaosFault.KillDataGuard ? [writing, FaultPoint.After(100, 900)] : [writing, FaultPoint.After(0, 500)]);

        s.Invariant("wal fetch exits 0 or 200, never 1 (\"not archived\") for an archived file", result.ExitCode is null or 0 or 200, fetch.Describe());
        var original = await File.ReadAllBytesAsync(Path.Combine(cluster.DataDir, "pg_wal", segment));
        var written = File.Exists(destination) ? await File.ReadAllBytesAsync(destination) : null;
        s.Invariant("a fetch leaves the whole file or none", written is null || written.AsSpan().SequenceEqual(original), $"{destination} holds {written?.Length} bytes that differ from {segment}");
        s.Invariant("a fetch that reported success wrote the file", !result.Succeeded || File.Exists(destination), fetch.Describe());
        var leftovers = Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(f => f != "RECOVERYXLOG").ToList();
        s.Trace($"left next to the destination: {(leftovers.Count == 0 ? "nothing" : string.Join(", ", leftovers))}");
        s.Invariant("a temporary file is never named like WAL", leftovers.All(f => f!.StartsWith('.')), string.Join(", ", leftovers));

        File.Delete(destination);
        using var next = await ChaosProcess.RunAsync(["wal", "fetch", segment, destination, "--config", lab.WalConfig]);
        s.Invariant("the next run succeeds", next.ExitCode == 0 && (await File.ReadAllBytesAsync(destination)).AsSpan().SequenceEqual(original), next.Describe());
        Directory.Delete(folder, recursive: true);
    });

    [Theory]
    [MemberData(nameof(ArchiverFaults))]
    public Task Wal_archiver(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "wal archiver (spool)", fault, async s =>
    {
        var cluster = await lab.WalClusterAsync();
        await WalChecks.CatchUpAsync(s, cluster, TimeSpan.FromSeconds(60));
        var spool = Path.Combine(lab.Root, $"spool-{s.Tag}");
        Directory.CreateDirectory(spool);
        await ProcessRunner("chown", "postgres:postgres", spool);
        File.SetUnixFileMode(spool, (UnixFileMode)0b111_000_000);
        await cluster.ExecuteAsync($"ALTER SYSTEM SET archive_command = 'test ! -f {spool}/%f && cp %p {spool}/.%f && sync {spool}/.%f && mv {spool}/.%f {spool}/%f && sync {spool}'");
        await cluster.ExecuteAsync("SELECT pg_reload_conf()");
        var since = DateTime.UtcNow;
        try
        {
            await WalChecks.WriteSegmentsAsync(cluster, 5);
            await Eventually(() => Directory.EnumerateFiles(spool).Count(f => !Path.GetFileName(f).StartsWith('.')) >= 5, TimeSpan.FromSeconds(30));
            var spooled = Directory.EnumerateFiles(spool).Count();
            using var archiver = ChaosProcess.Start(["wal", "archiver", "--spool", spool, "--parallel", "2", "--config", lab.WalConfig]);
            var pushing = new FaultPoint("the archiver has pushed some spooled files", () => Task.FromResult(Directory.EnumerateFiles(spool).Count() < spooled), 200);
            var (point, delay, outage) = s.Draw(pushing, FaultPoint.After(200, 1200));
            s.Trace($"started: {archiver.CommandLine} with {spooled} spooled files");
            await s.ReachAsync(point, () => archiver.HasExited, archiver.Describe);
            await Task.Delay(delay);

            // The resident archiver never ends by itself: a stopped S3 stays stopped for the outage (or 2 s), then it must carry on.
            await s.HitAsync(null, outage ?? 2000, archiver.Kill, async () =>
            {
                if (!archiver.Killed)
                {
                    await Task.Delay(1500);
                    archiver.Interrupt();
                }

                await archiver.WaitAsync(TimeSpan.FromSeconds(30));
            });
            s.Trace($"archiver: {archiver.Describe()}; {Directory.EnumerateFiles(spool).Count()} file(s) left in the spool");
            s.NamesItsFailure(archiver);

            // Acknowledged = deleted from the spool: each one must be durable in the archive.
            var done = WalChecks.DoneSince(cluster, since);
            var acknowledged = done.Where(n => !File.Exists(Path.Combine(spool, n))).ToList();
            await WalChecks.FetchIdenticalAsync(s, cluster, lab.WalConfig, acknowledged, "the archiver acknowledged");

            using var next = await ChaosProcess.RunAsync(["wal", "archiver", "--spool", spool, "--once", "--config", lab.WalConfig]);
            s.Invariant("the next run succeeds", next.ExitCode == 0, next.Describe());
            s.Invariant("the next run empties the spool", !Directory.EnumerateFiles(spool).Any(f => !Path.GetFileName(f).StartsWith('.')), string.Join(", ", Directory.EnumerateFiles(spool)));
            await WalChecks.FetchIdenticalAsync(s, cluster, lab.WalConfig, done.Except(acknowledged), "spooled when the archiver stopped");
            await WalChecks.NoGapAsync(s, lab.WalConfig);
        }
        finally
        {
            await lab.EnsureUpAsync();
            await cluster.ExecuteAsync("ALTER SYSTEM RESET archive_command");
            await cluster.ExecuteAsync("SELECT pg_reload_conf()");
        }
    });

    [Theory]
    [MemberData(nameof(LookAheadFaults))]
    public Task Wal_archiver_look_ahead(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "wal archiver --pg-data (look-ahead)", fault, async s =>
    {
        var cluster = await lab.WalClusterAsync();
        await WalChecks.CatchUpAsync(s, cluster, TimeSpan.FromSeconds(60));
        var records = Path.Combine(lab.Root, $"records-{s.Tag}");
        Directory.CreateDirectory(records);
        File.SetUnixFileMode(records, (UnixFileMode)0b111_101_101);

        // A 3-second wait per attempt (60 by default), so that PostgreSQL retries within the scenario.
        var command = DataGuard.Pitr.WalReadyArchiver.ArchiveCommand(records, TimeSpan.FromSeconds(3));
        await cluster.ExecuteAsync($"ALTER SYSTEM SET archive_command = '{command.Replace("'", "''", StringComparison.Ordinal)}'");
        await cluster.ExecuteAsync("SELECT pg_reload_conf()");
        var since = DateTime.UtcNow;
        string[] arguments = ["wal", "archiver", "--spool", records, "--pg-data", cluster.DataDir, "--parallel", "2", "--config", lab.WalConfig];
        try
        {
            using var archiver = ChaosProcess.Start(arguments);
            var workload = Task.Run(() => WalChecks.WriteSegmentsAsync(cluster, 5));
            var before = Convert.ToInt64(await cluster.ScalarAsync("SELECT archived_count FROM pg_stat_archiver"), CultureInfo.InvariantCulture);
            var taken = new FaultPoint("PostgreSQL has taken a file the archiver recorded", async () => Convert.ToInt64(await cluster.ScalarAsync("SELECT archived_count FROM pg_stat_archiver"), CultureInfo.InvariantCulture) > before, 200);
            var (point, delay, outage) = s.Draw(taken, FaultPoint.After(200, 1500));
            s.Trace($"started: {archiver.CommandLine}");
            await s.ReachAsync(point, () => archiver.HasExited, archiver.Describe);
            await Task.Delay(delay);

            // The resident archiver never ends by itself: S3 stays down for the outage (or 2 s), then it must carry on.
            await s.HitAsync(null, outage ?? 2000, archiver.Kill, async () =>
            {
                if (!archiver.Killed)
                {
                    await Task.Delay(1500);
                    archiver.Interrupt();
                }

                await archiver.WaitAsync(TimeSpan.FromSeconds(30));
            });
            await Settle(workload);
            s.Trace($"archiver: {archiver.Describe()}; records: {string.Join(", ", Directory.EnumerateFiles(records).Select(Path.GetFileName))}");
            s.NamesItsFailure(archiver);

            // Counted archived by PostgreSQL = acknowledged by the archiver's record: each must be in the archive, byte for byte.
            var done = WalChecks.DoneSince(cluster, since);
            await WalChecks.FetchIdenticalAsync(s, cluster, lab.WalConfig, done, "PostgreSQL counts as archived");

            // A new archiver (after a kill, or the same after the outage) pushes everything still ready.
            using var next = ChaosProcess.Start(arguments);
            await WalChecks.CatchUpAsync(s, cluster, TimeSpan.FromSeconds(90));
            next.Interrupt();
            await next.WaitAsync(TimeSpan.FromSeconds(30));
            s.Invariant("the restarted archiver stops cleanly when interrupted (exit 0, or 130 for SIGINT)", next.ExitCode is 0 or 130, next.Describe());
            await WalChecks.FetchIdenticalAsync(s, cluster, lab.WalConfig, WalChecks.DoneSince(cluster, since).Except(done), "archived after the restart");
            await WalChecks.NoGapAsync(s, lab.WalConfig);
        }
        finally
        {
            await lab.EnsureUpAsync();
            await cluster.ExecuteAsync("ALTER SYSTEM RESET archive_command");
            await cluster.ExecuteAsync("SELECT pg_reload_conf()");
        }
    });

    private List<int> Pushes() => [.. ChaosProcesses.FindDotnet("DataGuard.Cli.dll", "wal push", lab.WalConfig)];

    private void KillPushes(ChaosScenario scenario)
    {
        foreach (var pid in Pushes())
        {
            try
            {
                using var process = Process.GetProcessById(pid);
                var file = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0').FirstOrDefault(a => a.StartsWith("pg_wal/", StringComparison.Ordinal));
                process.Kill();
                scenario.Trace($"SIGKILL to wal push {file} (pid {pid.ToString(CultureInfo.InvariantCulture)})");
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
            {
                // It ended meanwhile.
            }
        }
    }

    private static async Task Settle(Task workload)
    {
        try
        {
            await workload;
        }
        catch (NpgsqlException)
        {
            // The fault cut the workload off.
        }
    }

    private static async Task ProcessRunner(string file, params string[] arguments)
    {
        var (code, _, error) = await Infrastructure.ProcessRunner.RunAsync(file, arguments);
        Assert.True(code == 0, error);
    }

    private static async Task Eventually(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "the spool did not fill in time");
    }
}
