using System.Globalization;
using System.Runtime.CompilerServices;
using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// Chaos on retention runs (`retention run --policy P` as a process of its own), for each action: Delete, Anonymize,
/// ArchiveThenDelete and DropPartitions (archiving each partition). Afterwards: every row the plan did not prove safe
/// to touch (inside the window, or held) is intact, compared with an independent SQL fingerprint taken before; each
/// batch is wholly committed or wholly absent; no row is deleted without its archive object; the next run finishes the
/// work.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class RetentionChaosTests(ChaosLab lab, ITestOutputHelper output)
{
    private const string AuditRecordsWhatWasDone = "the audit trail records what the run did";

    private const string ExpiredNotHeld = $"{RetentionWorkload.Expired} AND customer_id <> 42";
    private const string Fingerprint = "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM events t WHERE ";

    public static TheoryData<string, ChaosFault> RowFaults => ChaosMatrix.Pairs(
        [("Delete", ChaosFault.KillDataGuard), ("Anonymize", ChaosFault.StopPostgres), ("ArchiveThenDelete", ChaosFault.KillDataGuard), ("ArchiveThenDelete", ChaosFault.StopS3)],
        ("Delete", ChaosFault.StopPostgres), ("Anonymize", ChaosFault.KillDataGuard), ("ArchiveThenDelete", ChaosFault.StopPostgres), ("ArchiveThenDelete", ChaosFault.ResetS3Connections));

    public static TheoryData<ChaosFault> PartitionFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard, ChaosFault.StopS3], ChaosFault.StopPostgres);

    [Theory]
    [MemberData(nameof(RowFaults))]
    public Task Row_retention(string action, ChaosFault fault) => RowRetentionAsync(action, fault);

    /// <summary>
    /// Every run: PostgreSQL stopped under a deleting run. It said "unexpected error: InvalidOperationException:
    /// Connection is not open" (recording the policy's failure on the broken connection) instead of the cause.
    /// </summary>
    [Fact]
    public Task Row_retention_that_loses_PostgreSQL_names_the_cause() => RowRetentionAsync("Delete", ChaosFault.StopPostgres);

    /// <summary>
    /// With S3 stopped while a partition is archived (every run), the audit trail must count the partitions dropped
    /// before the failure: it recorded 0 rows and 0 partitions although they were gone.
    /// </summary>
    [Theory]
    [MemberData(nameof(PartitionFaults))]
    public Task Drop_partitions(ChaosFault fault) => DropPartitionsAsync(fault);

    private Task RowRetentionAsync(string action, ChaosFault fault, [CallerMemberName] string test = "") => ChaosScenario.RunAsync(lab, output, $"retention {action}", fault, async s =>
    {
        var database = await RetentionWorkload.CreateAsync(lab, s.Tag);
        try
        {
            var policy = new Dictionary<string, object>
            {
                ["Name"] = "events",
                ["Table"] = "public.events",
                ["TimestampColumn"] = "created_at",
                ["MaxAge"] = "365.00:00:00",
                ["Action"] = action,
            };
            if (action == "ArchiveThenDelete")
            {
                // A fifth of the customers: each batch is an S3 upload, the run stays short.
                policy["Conditions"] = new object[] { new { Column = "customer_id", Operator = "LessThan", Value = "100" } };
            }

            if (action == "Anonymize")
            {
                policy["MarkerColumn"] = "anonymized_at";
                policy["Anonymize"] = new object[] { new { Column = "email", Method = "Null" }, new { Column = "ip", Method = "Null" }, new { Column = "country", Method = "Fixed", Value = "--" } };
            }

            var config = await ConfigAsync(s, database, policy, ("public.events", "customer_id", "42"));
            var protectedBefore = await ScalarAsync(database, Fingerprint + Protected(action));
            var expendable = await lab.Postgres.CountAsync($"SELECT count(*) FROM events WHERE {Expendable(action)}", database);
            var progress = action == "Anonymize"
                ? $"SELECT count(*) FROM events WHERE anonymized_at IS NOT NULL"
                : $"SELECT {expendable} - count(*) FROM events WHERE {Expendable(action)}";
            s.Trace($"{expendable} expired rows not held; protected rows {protectedBefore}");

            using var run = ChaosProcess.Start(["retention", "run", "--policy", "events", "--config", config]);
            var batches = new FaultPoint($"at least 2 batches of {RetentionWorkload.BatchSize} committed", async () => await CountOrZeroAsync(progress, database) >= 2 * RetentionWorkload.BatchSize, 400) { Sticky = true };
            var started = new FaultPoint(
                "the first batch is running (or already committed)",
                async () => await lab.Postgres.ActivityAsync($"datname = '{database}' AND query ILIKE '%events%' AND state = 'active'") || await CountOrZeroAsync(progress, database) > 0,
                150) { Sticky = true };
            var result = await s.InjectAsync(run, lab.Postgres, batches, started);

            await CheckRowsAsync(s, database, config, action, protectedBefore, expendable, progress, finished: false);
            var doneBefore = await lab.Postgres.CountAsync(progress, database);
            await AuditAsync(s, database, doneBefore, run);
            await NextRunAsync(s, database, config, "events");
            await CheckRowsAsync(s, database, config, action, protectedBefore, expendable, progress, finished: true);
            await AuditAsync(s, database, expendable - doneBefore, null);
            s.Invariant("a run that reported success did all its work", !result.Succeeded || doneBefore == expendable, run.Describe());
        }
        finally
        {
            await lab.EnsureUpAsync();
            await lab.Postgres.DropDatabaseAsync(database);
        }
    }, test);

    private Task DropPartitionsAsync(ChaosFault fault, [CallerMemberName] string test = "") => ChaosScenario.RunAsync(lab, output, "retention DropPartitions", fault, async s =>
    {
        var database = await RetentionWorkload.CreateAsync(lab, s.Tag);
        try
        {
            var policy = new Dictionary<string, object>
            {
                ["Name"] = "metrics",
                ["Table"] = "public.metrics",
                ["TimestampColumn"] = "taken_at",
                ["MaxAge"] = "365.00:00:00",
                ["Action"] = "DropPartitions",
                ["ArchivePartitions"] = true,
            };
            var config = await ConfigAsync(s, database, policy, ("public.metrics", "sensor", "7"));
            var before = await PartitionsAsync(database);
            var eligible = before.Keys.Where(p => p != "metrics_next" && int.Parse(p[^2..], CultureInfo.InvariantCulture) >= 1).ToList();
            var expired = new HashSet<string>(StringComparer.Ordinal);
            foreach (var partition in eligible)
            {
                var months = int.Parse(partition[^2..], CultureInfo.InvariantCulture);
                if ((bool)(await lab.Postgres.ScalarAsync($"SELECT date_trunc('month', now()) - make_interval(months => {months - 1}) <= now() - interval '365 days'", database))!)
                {
                    expired.Add(partition);
                }
            }

            s.Trace($"{before.Count} partitions, expired: {string.Join(", ", expired.Order(StringComparer.Ordinal))} (metrics_m20 holds the held sensor)");
            using var run = ChaosProcess.Start(["retention", "run", "--policy", "metrics", "--config", config]);
            var dropped = new FaultPoint("at least 2 partitions dropped", async () => await CountOrZeroAsync("SELECT 25 - count(*) FROM pg_inherits WHERE inhparent = 'metrics'::regclass", database) >= 2, 300) { Sticky = true };
            var archiving = new FaultPoint(
                "the first partition is being archived (or already dropped)",
                async () => await lab.Postgres.ActivityAsync($"datname = '{database}' AND query ILIKE '%metrics_m%' AND state = 'active'")
                    || await CountOrZeroAsync("SELECT 25 - count(*) FROM pg_inherits WHERE inhparent = 'metrics'::regclass", database) >= 1,
                100) { Sticky = true };
            var result = await s.InjectAsync(run, lab.Postgres, dropped, archiving);

            await CheckPartitionsAsync(s, database, config, before, expired, finished: false);
            var droppedRows = await DroppedRowsAsync(database, before);
            await AuditAsync(s, database, droppedRows, run);
            await NextRunAsync(s, database, config, "metrics");
            await CheckPartitionsAsync(s, database, config, before, expired, finished: true);
            await AuditAsync(s, database, await DroppedRowsAsync(database, before) - droppedRows, null);
            s.Invariant("a run that reported success did all its work", !result.Succeeded || (await PartitionsAsync(database)).Keys.Count(expired.Contains) == 1, run.Describe());
        }
        finally
        {
            await lab.EnsureUpAsync();
            await lab.Postgres.DropDatabaseAsync(database);
        }
    }, test);

    /// <summary>The rows the policy may touch: expired, not held, and (ArchiveThenDelete) matching its condition.</summary>
    private static string Expendable(string action) => action == "ArchiveThenDelete" ? $"{ExpiredNotHeld} AND customer_id < 100" : ExpiredNotHeld;

    /// <summary>Every other row: inside the window, held, or outside the policy's condition.</summary>
    private static string Protected(string action) => $"NOT ({Expendable(action)})";

    private async Task<string> ConfigAsync(ChaosScenario s, string database, object policy, (string Table, string Column, string Value) hold)
    {
        var config = lab.WriteConfig(Path.Combine(lab.Root, $"retention-{s.Tag}.json"), new
        {
            Postgres = new { ConnectionString = lab.Postgres.ConnectionString(database) },
            Storage = lab.S3Storage($"retention-{s.Tag}"),
            Backup = new { Compression = new { Level = 1 } },
            Retention = new { Schedule = string.Empty, RetentionWorkload.BatchSize, Policies = new[] { policy } },
        });
        await using var services = ChaosLab.Services(config);
        await services.GetRequiredService<LegalHolds>().PlaceAsync(hold.Table, hold.Column, hold.Value, "chaos: litigation");
        return config;
    }

    /// <summary>The latest run's recorded result (dataguard.retention_results), when it recorded one, says how many rows it changed (`retention status` shows a run without an end as "did not finish").</summary>
    private async Task AuditAsync(ChaosScenario s, string database, long actual, ChaosProcess? run)
    {
        await using var connection = new Npgsql.NpgsqlConnection(lab.Postgres.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT r.finished_at IS NOT NULL, s.rows_affected, s.error FROM dataguard.retention_runs r LEFT JOIN dataguard.retention_results s ON s.run_id = r.id WHERE NOT r.dry_run ORDER BY r.id DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no retention run recorded");
        var finished = reader.GetBoolean(0);
        long? recorded = reader.IsDBNull(1) ? null : reader.GetInt64(1);
        var error = reader.IsDBNull(2) ? null : reader.GetString(2);
        s.Trace($"audit of the {(run is null ? "next" : "faulted")} run: finished {finished}, rows {recorded?.ToString(CultureInfo.InvariantCulture) ?? "-"}, error {error ?? "-"}; actually {actual}");
        s.Invariant(AuditRecordsWhatWasDone, recorded is null || recorded == actual, $"the audit records {recorded} rows, the run changed {actual}{(run is null ? string.Empty : $"; {run.Describe()}")}");
    }

    private async Task<long> DroppedRowsAsync(string database, Dictionary<string, string> before)
    {
        var now = await PartitionsAsync(database);
        return before.Where(p => !now.ContainsKey(p.Key)).Sum(p => long.Parse(p.Value.Split(':')[0], CultureInfo.InvariantCulture));
    }

    /// <summary>The operator's next step: run again, once the killed run's sessions are gone (until then the run lock says another host is running).</summary>
    private async Task NextRunAsync(ChaosScenario s, string database, string config, string policy)
    {
        for (var i = 0; i < 100 && await lab.Postgres.ActivityAsync($"datname = '{database}'"); i++)
        {
            await Task.Delay(100);
        }

        using var next = await ChaosProcess.RunAsync(["retention", "run", "--policy", policy, "--config", config]);
        s.Trace($"next run: {next.Describe()}");
        s.Invariant("the next run succeeds", next.ExitCode == 0 && !next.Output.Contains("Another host", StringComparison.Ordinal), next.Describe());
    }

    private async Task CheckRowsAsync(ChaosScenario s, string database, string config, string action, string protectedBefore, long expendable, string progress, bool finished)
    {
        var when = finished ? "after the next run" : "after the fault";
        s.Invariant("rows the plan did not prove safe are intact", await ScalarAsync(database, Fingerprint + Protected(action)) == protectedBefore, $"{when}: rows inside the window or held changed (fingerprint before {protectedBefore})");
        var done = await lab.Postgres.CountAsync(progress, database);
        s.Trace($"{when}: {done} of {expendable} expired rows {(action == "Anonymize" ? "anonymized" : "deleted")}");
        s.Invariant("a batch is wholly committed or wholly absent", done % RetentionWorkload.BatchSize == 0 || done == expendable, $"{when}: {done} rows processed, not a whole number of {RetentionWorkload.BatchSize}-row batches");
        s.Invariant("the next run finishes the work", !finished || done == expendable, $"{done} of {expendable} rows processed");
        if (action == "Anonymize")
        {
            s.Invariant("an anonymized row is wholly anonymized", await lab.Postgres.CountAsync("SELECT count(*) FROM events WHERE anonymized_at IS NOT NULL AND (email IS NOT NULL OR ip IS NOT NULL OR country <> '--')", database) == 0, when);
            s.Invariant("a row not marked is untouched", await lab.Postgres.CountAsync("SELECT count(*) FROM events WHERE anonymized_at IS NULL AND (email IS NULL OR ip IS NULL OR country = '--')", database) == 0, when);
        }

        if (action == "ArchiveThenDelete")
        {
            var (archived, orphans) = await RetentionWorkload.ArchivedAsync(config, "archive/events/", "id");
            var present = new HashSet<long>(await IdsAsync(database, $"SELECT id FROM events WHERE {Expendable(action)}"));
            var all = await IdsAsync(RetentionWorkload.Template, $"SELECT id FROM events WHERE {Expendable(action)}");
            var deleted = all.Where(id => !present.Contains(id)).ToList();
            var unarchived = deleted.Where(id => !archived.Contains(id)).Take(5).ToList();
            s.Trace($"{when}: {deleted.Count} rows deleted, {archived.Count} rows in archive objects with a manifest, {orphans.Count} archive object(s) without one ({string.Join(", ", orphans)})");
            s.Invariant("no row is deleted without its archive object", unarchived.Count == 0, $"{when}: deleted rows not in any archive object with a manifest, e.g. ids {string.Join(", ", unarchived)}");
        }
    }

    private async Task CheckPartitionsAsync(ChaosScenario s, string database, string config, Dictionary<string, string> before, HashSet<string> expired, bool finished)
    {
        var when = finished ? "after the next run" : "after the fault";
        var now = await PartitionsAsync(database);
        var gone = before.Keys.Where(p => !now.ContainsKey(p)).Order(StringComparer.Ordinal).ToList();
        s.Trace($"{when}: dropped {string.Join(", ", gone)}");
        foreach (var (partition, fingerprint) in now)
        {
            s.Invariant("a partition is wholly kept or wholly dropped", before.GetValueOrDefault(partition) == fingerprint, $"{when}: {partition} holds {fingerprint}, before {before.GetValueOrDefault(partition)}");
        }

        s.Invariant("only expired partitions are dropped", gone.All(expired.Contains), $"{when}: dropped {string.Join(", ", gone.Where(p => !expired.Contains(p)))}");
        s.Invariant("a partition holding a held row is kept", now.ContainsKey("metrics_m20"), when);
        s.Invariant("the next run finishes the work", !finished || gone.Count == expired.Count - 1, $"{gone.Count} of {expired.Count - 1} droppable partitions dropped");
        var (archived, orphans) = await RetentionWorkload.ArchivedAsync(config, "archive/metrics/", "value");
        foreach (var partition in gone)
        {
            var values = await IdsAsync(RetentionWorkload.Template, $"SELECT value FROM {partition}");
            s.Invariant("no partition is dropped without its archive object", values.All(archived.Contains), $"{when}: {partition} dropped, {values.Count(v => !archived.Contains(v))} of its {values.Count} rows in no archive object with a manifest (objects without one: {string.Join(", ", orphans)})");
        }
    }

    private async Task<Dictionary<string, string>> PartitionsAsync(string database)
    {
        var names = await IdsAsTextAsync(database, "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'metrics'::regclass");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            result[name] = (string)(await lab.Postgres.ScalarAsync($"SELECT count(*) || ':' || coalesce(sum(value), 0) || ':' || coalesce(sum(sensor), 0) FROM {name}", database))!;
        }

        return result;
    }

    private async Task<long> CountOrZeroAsync(string sql, string database)
    {
        try
        {
            return await lab.Postgres.CountAsync(sql, database);
        }
        catch (Npgsql.NpgsqlException)
        {
            return 0;
        }
    }

    private async Task<string> ScalarAsync(string database, string sql) => (string)(await lab.Postgres.ScalarAsync(sql, database))!;

    private async Task<List<long>> IdsAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(lab.Postgres.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<long>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    private async Task<List<string>> IdsAsTextAsync(string database, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(lab.Postgres.ConnectionString(database));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var names = new List<string>();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
