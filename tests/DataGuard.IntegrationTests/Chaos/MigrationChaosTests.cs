using System.Globalization;
using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DataGuard.IntegrationTests.Chaos;

/// <summary>
/// Chaos on migrations (`migrate up`, `migrate down --to 0` as processes of their own) over four versions: two in
/// DataGuard's transaction, one `CREATE INDEX CONCURRENTLY` outside any transaction, one with its own BEGIN/COMMIT;
/// and `migrate up` whose safety-net backup loses S3. Afterwards the ledger matches the schema (a version is applied
/// only if its objects exist, rolled back or pending only if they do not), an interrupted script outside our
/// transaction leaves its version dirty, and after the documented `migrate resolve` the next run succeeds.
/// </summary>
[Collection(ChaosCollection.Name)]
public sealed class MigrationChaosTests(ChaosLab lab, ITestOutputHelper output)
{
    private static readonly (string File, string Sql)[] Files =
    [
        ("1_customers.up.sql", "CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);\nINSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 5000) g;\n"),
        ("1_customers.down.sql", "DROP TABLE customers;\n"),
        ("2_orders.up.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, note text NOT NULL);\nINSERT INTO orders SELECT g, 1 + g % 5000, md5(g::text) FROM generate_series(1, 100000) g;\n"),
        ("2_orders.down.sql", "DROP TABLE orders;\nSELECT pg_sleep(1.6);\n"),
        ("3_orders_customer_index.up.sql", "-- dataguard:no-transaction\nCREATE INDEX CONCURRENTLY orders_customer ON orders (customer_id, note);\n"),
        ("3_orders_customer_index.down.sql", "-- dataguard:no-transaction\nDROP INDEX CONCURRENTLY orders_customer;\n"),
        ("4_report.up.sql", "BEGIN;\nCREATE VIEW report AS SELECT customer_id, count(*) AS orders FROM orders GROUP BY customer_id;\nUPDATE customers SET name = upper(name);\nSELECT pg_sleep(1.5);\nCOMMIT;\n"),
        ("4_report.down.sql", "BEGIN;\nDROP VIEW report;\nUPDATE customers SET name = lower(name);\nSELECT pg_sleep(1.5);\nCOMMIT;\n"),
    ];

    public static TheoryData<ChaosFault> UpFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard, ChaosFault.StopPostgres]);

    public static TheoryData<ChaosFault> DownFaults => ChaosMatrix.Faults([ChaosFault.KillDataGuard], ChaosFault.StopPostgres);

    [Theory]
    [MemberData(nameof(UpFaults))]
    public Task Migrate_up(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "migrate up", fault, async s =>
    {
        var (database, config) = await SetUpAsync(s, backupBeforeChange: false);
        try
        {
            using var up = ChaosProcess.Start(["migrate", "up", "--config", config]);
            var result = await s.InjectAsync(up, lab.Postgres,
                Running(database, "version 2's INSERT runs (in DataGuard's transaction)", "INSERT INTO orders", 300),
                Dirty(database, 3, "version 3 is marked dirty: its CREATE INDEX CONCURRENTLY runs (outside any transaction)", 150),
                Running(database, "version 4's own BEGIN ... COMMIT runs (its pg_sleep)", "pg_sleep(1.5)", 250));
            await SessionsGoneAsync(s, database);
            var ledger = await CheckLedgerAsync(s, database, "after the fault");
            s.Invariant("a run that reported success applied every version", !result.Succeeded || ledger.Values.All(v => v == "applied") && ledger.Count == 4, up.Describe());

            await ResolveAsync(s, database, config, ledger);
            using var next = await ChaosProcess.RunAsync(["migrate", "up", "--config", config]);
            s.Invariant("the next run succeeds", next.ExitCode == 0, next.Describe());
            var after = await CheckLedgerAsync(s, database, "after the next run");
            s.Invariant("the next run applies every version", after.Count == 4 && after.Values.All(v => v == "applied"), string.Join(", ", after));
        }
        finally
        {
            await lab.EnsureUpAsync();
            await lab.Postgres.DropDatabaseAsync(database);
        }
    });

    [Theory]
    [MemberData(nameof(DownFaults))]
    public Task Migrate_down(ChaosFault fault) => ChaosScenario.RunAsync(lab, output, "migrate down", fault, async s =>
    {
        var (database, config) = await SetUpAsync(s, backupBeforeChange: false);
        try
        {
            await using (var services = ChaosLab.Services(config))
            {
                await services.GetRequiredService<Migrator>().UpAsync(Set());
            }

            using var down = ChaosProcess.Start(["migrate", "down", "--to", "0", "--config", config]);
            var result = await s.InjectAsync(down, lab.Postgres,
                Running(database, "version 4's down, its own BEGIN ... COMMIT, runs (its pg_sleep)", "pg_sleep(1.5)", 250),
                Running(database, "version 2's down runs (in DataGuard's transaction, its pg_sleep)", "pg_sleep(1.6)", 350),
                FaultPoint.After(0, 1500));
            await SessionsGoneAsync(s, database);
            var ledger = await CheckLedgerAsync(s, database, "after the fault");
            s.Invariant("a run that reported success rolled every version back", !result.Succeeded || ledger.Values.All(v => v == "rolledback"), down.Describe());

            await ResolveAsync(s, database, config, ledger);
            using var next = await ChaosProcess.RunAsync(["migrate", "down", "--to", "0", "--config", config]);
            s.Invariant("the next run succeeds", next.ExitCode == 0, next.Describe());
            var after = await CheckLedgerAsync(s, database, "after the next run");
            s.Invariant("the next run rolls every version back", after.Values.All(v => v == "rolledback"), string.Join(", ", after));
        }
        finally
        {
            await lab.EnsureUpAsync();
            await lab.Postgres.DropDatabaseAsync(database);
        }
    });

    [ChaosFullFact]
    public Task Migrate_up_whose_safety_net_backup_loses_S3() => ChaosScenario.RunAsync(lab, output, "migrate up (backup before change)", ChaosFault.StopS3, async s =>
    {
        var (database, config) = await SetUpAsync(s, backupBeforeChange: true);
        try
        {
            // Something to back up: the safety net's pg_dump must run long enough to be hit.
            await lab.Postgres.ExecuteAsync("CREATE TABLE bulk AS SELECT g, md5(g::text) || md5((g * 3)::text) AS pad FROM generate_series(1, 150000) g", database);
            using var up = ChaosProcess.Start(["migrate", "up", "--config", config]);
            var result = await s.InjectAsync(up, lab.Postgres, new FaultPoint("the safety-net backup's pg_dump runs", () => lab.Postgres.ActivityAsync($"datname = '{database}' AND application_name = 'dataguard' AND query LIKE 'COPY %'"), 200));
            var ledger = await CheckLedgerAsync(s, database, "after the fault");
            if (!result.Succeeded)
            {
                s.Invariant("nothing changes without its safety-net backup", ledger.Values.All(v => v != "applied" && v != "dirty"), string.Join(", ", ledger));
            }

            using var next = await ChaosProcess.RunAsync(["migrate", "up", "--config", config]);
            s.Invariant("the next run succeeds", next.ExitCode == 0, next.Describe());
            var after = await CheckLedgerAsync(s, database, "after the next run");
            s.Invariant("the next run applies every version", after.Count == 4 && after.Values.All(v => v == "applied"), string.Join(", ", after));
        }
        finally
        {
            await lab.EnsureUpAsync();
            await lab.Postgres.DropDatabaseAsync(database);
        }
    });

    /// <summary>
    /// The documented first step after a migrator was killed: its PostgreSQL session may still be running the script it
    /// had sent (a killed client does not stop a statement already received), so wait until no migrator session is left
    /// before inspecting the schema.
    /// </summary>
    private async Task SessionsGoneAsync(ChaosScenario s, string database)
    {
        var waited = 0;
        while (await lab.Postgres.ActivityAsync($"datname = '{database}' AND application_name LIKE 'dataguard-migrate%'") && waited < 300)
        {
            await Task.Delay(100);
            waited++;
        }

        s.Trace($"waited {waited * 100} ms for the interrupted migrator's session to end");
    }

    private static MigrationSet Set() => MigrationDirectory.Parse(Files.Select(f => (f.File, f.Sql)));

    private FaultPoint Running(string database, string name, string statement, int maxDelay) =>
        new(name, () => lab.Postgres.ActivityAsync($"datname = '{database}' AND state = 'active' AND query LIKE '%{statement}%' AND query NOT LIKE '%pg_stat_activity%'"), maxDelay);

    private FaultPoint Dirty(string database, long version, string name, int maxDelay) =>
        new(name, async () =>
        {
            try
            {
                return await lab.Postgres.CountAsync($"SELECT count(*) FROM dataguard.migrations WHERE version = {version} AND state = 'dirty'", database) == 1;
            }
            catch (Npgsql.PostgresException)
            {
                return false;   // the ledger does not exist yet
            }
        }, maxDelay);

    private async Task<(string Database, string Config)> SetUpAsync(ChaosScenario s, bool backupBeforeChange)
    {
        var database = $"chaos_migrate_{s.Tag}";
        await lab.Postgres.CreateDatabaseAsync(database);
        var folder = Directory.CreateDirectory(Path.Combine(lab.Root, $"migrations-{s.Tag}")).FullName;
        foreach (var (file, sql) in Files)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, file), sql);
        }

        var config = lab.WriteConfig(Path.Combine(lab.Root, $"migrate-{s.Tag}.json"), new
        {
            Postgres = new { ConnectionString = lab.Postgres.ConnectionString(database) },
            Storage = lab.S3Storage($"migrate-{s.Tag}"),
            Backup = new { Compression = new { Level = 1 } },
            Migrations = new { Directory = folder, BackupBeforeChange = backupBeforeChange },
        });
        return (database, config);
    }

    /// <summary>The ledger against the schema: each version's state and whether its objects exist must agree.</summary>
    private async Task<Dictionary<long, string>> CheckLedgerAsync(ChaosScenario s, string database, string when)
    {
        var ledger = new Dictionary<long, string>();
        if (await lab.Postgres.CountAsync("SELECT count(*) FROM pg_class WHERE oid = to_regclass('dataguard.migrations')", database) == 1)
        {
            await using var connection = new Npgsql.NpgsqlConnection(lab.Postgres.ConnectionString(database));
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT version, state FROM dataguard.migrations", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                ledger[reader.GetInt64(0)] = reader.GetString(1);
            }
        }

        var objects = await ObjectsAsync(database);
        s.Trace($"{when}: ledger {string.Join(", ", ledger.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}"))}; objects {string.Join(", ", objects.Select(o => $"{o.Key}={o.Value}"))}");
        for (var version = 1L; version <= 4; version++)
        {
            var state = ledger.GetValueOrDefault(version, "pending");
            var present = objects[version];
            var outside = version >= 3;
            switch (state)
            {
                case "applied":
                    s.Invariant("an applied version's objects exist", present == "complete", $"{when}: version {version} is applied, its objects are {present}");
                    break;
                case "dirty":
                    s.Invariant("only a script outside DataGuard's transaction can be dirty", outside, $"{when}: version {version} (in DataGuard's transaction) is dirty");
                    break;
                default:
                    // pending, failed, rolledback: nothing of it may be in place. A script outside our transaction that
                    // was interrupted with some of its effect in place must have left its version dirty instead.
                    s.Invariant("a version not applied has no objects (an interrupted script outside our transaction is dirty)", present == "absent", $"{when}: version {version} is {state}, its objects are {present}");
                    break;
            }

        }

        return ledger;
    }

    /// <summary>Each version's objects: complete, absent, or partial (an INVALID index, a view without its update).</summary>
    private async Task<Dictionary<long, string>> ObjectsAsync(string database)
    {
        async Task<long> Count(string sql) => await lab.Postgres.CountAsync(sql, database);
        var customers = await Count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.customers')") == 1;
        var orders = await Count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.orders')") == 1;
        var index = await Count("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('public.orders_customer')");
        var valid = await Count("SELECT count(*) FROM pg_index WHERE indexrelid = to_regclass('public.orders_customer') AND indisvalid");
        var view = await Count("SELECT count(*) FROM pg_class WHERE oid = to_regclass('public.report')") == 1;
        var upper = customers && await Count("SELECT count(*) FROM customers WHERE name = upper(name)") == 5000;
        return new Dictionary<long, string>
        {
            [1] = customers ? (await Count("SELECT count(*) FROM customers") == 5000 ? "complete" : "partial") : "absent",
            [2] = orders ? (await Count("SELECT count(*) FROM orders") == 100000 ? "complete" : "partial") : "absent",
            [3] = index == 0 ? "absent" : valid == 1 ? "complete" : "partial (INVALID index)",
            [4] = view && upper ? "complete" : !view && !upper ? "absent" : "partial",
        };
    }

    /// <summary>The documented operator step for a dirty version: inspect the schema, finish or undo by hand, then resolve.</summary>
    private async Task ResolveAsync(ChaosScenario s, string database, string config, Dictionary<long, string> ledger)
    {
        foreach (var (version, state) in ledger.Where(e => e.Value == "dirty"))
        {
            var objects = await ObjectsAsync(database);
            var present = objects[version];
            if (present.StartsWith("partial", StringComparison.Ordinal))
            {
                await lab.Postgres.ExecuteAsync("DROP INDEX IF EXISTS orders_customer", database);
                present = "absent";
            }

            var verdict = present == "complete" ? "--applied" : "--rolled-back";
            using var resolve = await ChaosProcess.RunAsync(["migrate", "resolve", version.ToString(CultureInfo.InvariantCulture), verdict, "--config", config]);
            s.Trace($"version {version} was {state} with objects {present}: {resolve.Describe()}");
            s.Invariant("migrate resolve clears a dirty version", resolve.ExitCode == 0, resolve.Describe());
        }
    }
}
