using DataGuard.Migrations;
using DataGuard.Postgres.Migrations;

namespace DataGuard.Tests.Migrations;

/// <summary>The planner decides from the files and the ledger alone: no database here.</summary>
public class MigrationPlannerTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Status_gives_one_row_per_version_known_to_the_files_or_the_ledger_with_its_state()
    {
        var set = Files((1, "SELECT 1;", "SELECT -1;"), (2, "SELECT 2;", "SELECT -2;"), (3, "SELECT 3;", "SELECT -3;"), (4, "SELECT 4;", "SELECT -4;"), (5, "SELECT 5;", "SELECT -5;"));
        var gone = Files((6, "SELECT 6;", "SELECT -6;")).Migrations[0];
        var ledger = new[]
        {
            Entry(set.Migrations[0]), Entry(set.Migrations[1], MigrationState.Failed), Entry(set.Migrations[2], MigrationState.RolledBack),
            Entry(set.Migrations[3], MigrationState.Dirty), Entry(gone),
        };

        var rows = MigrationPlanner.Status(set, ledger);

        Assert.Equal([1L, 2, 3, 4, 5, 6], rows.Select(r => r.Version));
        Assert.Equal(["applied", "failed", "rolledback", "dirty", "pending", "applied-missing-file"], rows.Select(r => r.State));
        Assert.Equal("m6", rows[5].Title);
        Assert.All(rows, r => Assert.False(r.Drifted));
    }

    [Fact]
    public void Status_flags_drift_only_on_applied_versions_whose_file_changed()
    {
        var ran = Files((1, "CREATE TABLE a (i int);", null), (2, "CREATE TABLE b (i int);", null));
        var now = Files((1, "CREATE TABLE a (i bigint);", null), (2, "CREATE TABLE b (i bigint);", null));

        var rows = MigrationPlanner.Status(now, [Entry(ran.Migrations[0]), Entry(ran.Migrations[1], MigrationState.Failed)]);

        Assert.True(rows[0].Drifted);
        Assert.False(rows[1].Drifted);
    }

    [Fact]
    public void Status_says_a_down_is_missing_only_when_neither_file_nor_ledger_has_one_and_the_migration_is_reversible()
    {
        var set = Files((1, "SELECT 1;", null), (2, "SELECT 2;", null), (3, "-- dataguard:irreversible\nSELECT 3;", null), (4, "SELECT 4;", "SELECT -4;"));
        var withDownInLedger = Entry(set.Migrations[1]) with { Down = "SELECT -2;", DownSha256 = MigrationDirectory.Sha256("SELECT -2;") };

        var rows = MigrationPlanner.Status(set, [Entry(set.Migrations[0]), withDownInLedger]);

        Assert.Equal([true, false, false, false], rows.Select(r => r.MissingDown));
        Assert.Equal([false, false, true, false], rows.Select(r => r.Irreversible));
    }

    [Fact]
    public void Pending_are_the_versions_not_applied_in_version_order_up_to_the_target()
    {
        var set = Files((1, "SELECT 1;", null), (2, "SELECT 2;", null), (3, "SELECT 3;", null), (4, "SELECT 4;", null), (5, "SELECT 5;", null));
        var ledger = new[] { Entry(set.Migrations[0]), Entry(set.Migrations[1], MigrationState.Failed), Entry(set.Migrations[2], MigrationState.RolledBack) };

        Assert.Equal([2L, 3, 4, 5], MigrationPlanner.PlanUp(set, ledger, null).Select(s => s.Version));
        Assert.Equal([2L, 3, 4], MigrationPlanner.PlanUp(set, ledger, 4).Select(s => s.Version));
        Assert.Empty(MigrationPlanner.PlanUp(set, ledger, 1));
        Assert.Empty(MigrationPlanner.PlanUp(set, [.. set.Migrations.Select(m => Entry(m))], null));
    }

    [Fact]
    public void An_up_step_carries_its_file_and_runs_the_up_script()
    {
        var set = Files((7, "CREATE TABLE t (i int);", "DROP TABLE t;"));

        var step = Assert.Single(MigrationPlanner.PlanUp(set, [], null));

        Assert.Same(set.Migrations[0], step.Migration);
        Assert.Null(step.Entry);
        Assert.True(step.IsUp);
        Assert.Equal(new PlannedStep(7, "m7", "up", "CREATE TABLE t (i int);", "in-transaction"), step.ToPlanned());
    }

    [Theory]
    [InlineData("CREATE TABLE t (i int);", "in-transaction")]
    [InlineData("-- dataguard:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);", "no-transaction")]
    [InlineData("BEGIN;\nCREATE TABLE t (i int);\nCOMMIT;", "own-transaction")]
    [InlineData("START TRANSACTION;\nCREATE TABLE t (i int);\nEND;", "own-transaction")]
    [InlineData("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN;\nPERFORM 1;\nCOMMIT;\nEND $$;", "in-transaction")]
    [InlineData("-- BEGIN;\nCREATE TABLE t (i int);\n-- COMMIT;", "in-transaction")]
    [InlineData("BEGIN;\nCREATE TABLE t (i int);", "in-transaction")]
    public void The_transaction_mode_of_an_up_step_comes_from_its_directive_and_its_own_begin_commit(string up, string mode) =>
        Assert.Equal(mode, Assert.Single(MigrationPlanner.PlanUp(Files((1, up, null)), [], null)).ModeText);

    [Fact]
    public void A_dbmate_file_with_transaction_false_runs_outside_a_transaction_both_ways()
    {
        var set = MigrationDirectory.Parse([("1_index.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- migrate:down\nDROP INDEX CONCURRENTLY i;\n")]);

        Assert.Equal(MigrationTransactionMode.NoTransaction, Assert.Single(MigrationPlanner.PlanUp(set, [], null)).Mode);
        Assert.Equal(MigrationTransactionMode.NoTransaction, Assert.Single(MigrationPlanner.PlanDown(set, [Entry(set.Migrations[0])], new DownRequest())).Mode);
    }

    [Fact]
    public void A_plan_shows_the_steps_even_while_a_version_is_dirty_but_a_run_refuses_in_both_directions()
    {
        var set = Files((1, "SELECT 1;", "SELECT -1;"), (2, "SELECT 2;", "SELECT -2;"), (3, "SELECT 3;", null));
        var ledger = new[] { Entry(set.Migrations[0]), Entry(set.Migrations[1], MigrationState.Dirty) with { Error = "started ... and did not report success" } };

        Assert.Equal([2L, 3], MigrationPlanner.PlanUp(set, ledger, null).Select(s => s.Version));
        Assert.Equal([1L], MigrationPlanner.PlanDown(set, ledger, new DownRequest()).Select(s => s.Version));

        var up = Assert.Throws<DataGuardException>(() => MigrationPlanner.Up(set, ledger, null, allowDrift: true));
        Assert.Contains("Version 2 (m2) is dirty", up.Message);
        Assert.Contains("did not report success", up.Message);
        Assert.Contains("dataguard migrate resolve 2 --applied", up.Message);
        Assert.Equal("migrate", up.Operation);
        var down = Assert.Throws<DataGuardException>(() => MigrationPlanner.Down(set, ledger, new DownRequest()));
        Assert.Contains("Version 2 (m2) is dirty", down.Message);
    }

    [Fact]
    public void A_dirty_version_is_refused_before_drift_is_looked_at()
    {
        var ran = Files((1, "SELECT 1;", null), (2, "SELECT 2;", null));
        var now = Files((1, "SELECT 10;", null), (2, "SELECT 2;", null));

        var ex = Assert.Throws<DataGuardException>(() => MigrationPlanner.Up(now, [Entry(ran.Migrations[0]), Entry(ran.Migrations[1], MigrationState.Dirty)], null, allowDrift: false));

        Assert.Contains("is dirty", ex.Message);
    }

    [Fact]
    public void Drift_in_applied_files_is_refused_naming_them_unless_allowed_and_a_drifted_migration_does_not_run_again()
    {
        var ran = Files((1, "SELECT 1;", null), (2, "SELECT 2;", null), (3, "SELECT 3;", null));
        var now = Files((1, "SELECT 10;", null), (2, "SELECT 2;", null), (3, "SELECT 30;", null), (4, "SELECT 4;", null));
        var ledger = new[] { Entry(ran.Migrations[0]), Entry(ran.Migrations[1]), Entry(ran.Migrations[2], MigrationState.Failed) };

        Assert.Equal(["1_m1.up.sql"], MigrationPlanner.Drifted(now, ledger));
        var ex = Assert.Throws<DataGuardException>(() => MigrationPlanner.Up(now, ledger, null, allowDrift: false));
        Assert.Contains("checksum drift", ex.Message);
        Assert.Contains("1_m1.up.sql", ex.Message);
        Assert.DoesNotContain("3_m3", ex.Message);
        Assert.Equal("migrate.up", ex.Operation);

        Assert.Equal([3L, 4], MigrationPlanner.Up(now, ledger, null, allowDrift: true).Select(s => s.Version));
    }

    [Fact]
    public void A_rollback_takes_the_newest_applied_one_by_default_and_skips_versions_not_applied()
    {
        var set = Files((1, "SELECT 1;", "SELECT -1;"), (2, "SELECT 2;", "SELECT -2;"), (3, "SELECT 3;", "SELECT -3;"));
        var ledger = new[] { Entry(set.Migrations[0]), Entry(set.Migrations[1]), Entry(set.Migrations[2], MigrationState.RolledBack) };

        var step = Assert.Single(MigrationPlanner.PlanDown(set, ledger, new DownRequest()));

        Assert.Equal(2, step.Version);
        Assert.False(step.IsUp);
        Assert.Same(ledger[1], step.Entry);
        Assert.Equal(new PlannedStep(2, "m2", "down", "SELECT -2;", "in-transaction"), step.ToPlanned());
    }

    [Fact]
    public void A_rollback_by_count_by_target_version_or_by_deploy_goes_newest_first()
    {
        var set = Files((1, "SELECT 1;", "SELECT -1;"), (2, "SELECT 2;", "SELECT -2;"), (3, "SELECT 3;", "SELECT -3;"), (4, "SELECT 4;", "SELECT -4;"));
        var ledger = new[] { Entry(set.Migrations[0], deploy: "d1"), Entry(set.Migrations[1], deploy: "d1"), Entry(set.Migrations[2], deploy: "d2"), Entry(set.Migrations[3], deploy: "d2") };

        Assert.Equal([4L, 3], MigrationPlanner.PlanDown(set, ledger, new DownRequest { Steps = 2 }).Select(s => s.Version));
        Assert.Equal([4L, 3, 2, 1], MigrationPlanner.PlanDown(set, ledger, new DownRequest { Steps = 10 }).Select(s => s.Version));
        Assert.Equal([4L, 3, 2], MigrationPlanner.PlanDown(set, ledger, new DownRequest { ToVersion = 1 }).Select(s => s.Version));
        Assert.Equal([4L, 3, 2, 1], MigrationPlanner.PlanDown(set, ledger, new DownRequest { ToVersion = 0 }).Select(s => s.Version));
        Assert.Empty(MigrationPlanner.PlanDown(set, ledger, new DownRequest { ToVersion = 4 }));
        Assert.Equal([2L, 1], MigrationPlanner.PlanDown(set, ledger, new DownRequest { Deploy = "d1" }).Select(s => s.Version));
        Assert.Empty(MigrationPlanner.PlanDown(set, ledger, new DownRequest { Deploy = "unknown" }));
    }

    [Fact]
    public void An_irreversible_migration_stops_the_whole_rollback_before_anything_runs_whether_the_file_or_the_ledger_says_so()
    {
        var set = Files((1, "SELECT 1;", "SELECT -1;"), (2, "-- dataguard:irreversible\nDELETE FROM t;", null), (3, "SELECT 3;", "SELECT -3;"));
        var ledger = new[] { Entry(set.Migrations[0]), Entry(set.Migrations[1]), Entry(set.Migrations[2]) };

        var ex = Assert.Throws<DataGuardException>(() => MigrationPlanner.PlanDown(set, ledger, new DownRequest { ToVersion = 0 }));
        Assert.Contains("Version 2 (m2) is irreversible", ex.Message);
        Assert.Contains("nothing was run", ex.Message);
        Assert.Equal("migrate.down", ex.Operation);

        var fileSaysNothing = Files((1, "SELECT 1;", "SELECT -1;"));
        var ledgerSays = Entry(fileSaysNothing.Migrations[0]) with { Irreversible = true };
        Assert.Throws<DataGuardException>(() => MigrationPlanner.PlanDown(fileSaysNothing, [ledgerSays], new DownRequest()));

        Assert.Equal([3L], MigrationPlanner.PlanDown(set, ledger, new DownRequest()).Select(s => s.Version));
    }

    [Fact]
    public void The_down_script_comes_from_the_file_or_from_the_ledger_when_the_file_is_gone()
    {
        var applied = Files((1, "CREATE TABLE t (i int);", "DROP TABLE t;"));
        var entry = Entry(applied.Migrations[0]);

        Assert.Equal("DROP TABLE t;", Assert.Single(MigrationPlanner.PlanDown(applied, [entry], new DownRequest())).Script);
        Assert.Equal("DROP TABLE t;", Assert.Single(MigrationPlanner.PlanDown(Files(), [entry], new DownRequest())).Script);

        var downAddedLater = Files((1, "CREATE TABLE t (i int);", "DROP TABLE t CASCADE;"));
        var noDownInLedger = entry with { Down = null, DownSha256 = null };
        Assert.Equal("DROP TABLE t CASCADE;", Assert.Single(MigrationPlanner.PlanDown(downAddedLater, [noDownInLedger], new DownRequest())).Script);
    }

    [Fact]
    public void Two_different_down_scripts_are_refused_unless_a_preference_is_given()
    {
        var ran = Files((1, "CREATE TABLE t (i int);", "DROP TABLE t;"));
        var now = Files((1, "CREATE TABLE t (i int);", "DROP TABLE IF EXISTS t;"));
        var ledger = new[] { Entry(ran.Migrations[0]) };

        var ex = Assert.Throws<DataGuardException>(() => MigrationPlanner.PlanDown(now, ledger, new DownRequest()));
        Assert.Contains("--prefer file or --prefer ledger", ex.Message);
        Assert.Contains("Nothing was run", ex.Message);
        Assert.Equal("DROP TABLE IF EXISTS t;", Assert.Single(MigrationPlanner.PlanDown(now, ledger, new DownRequest { Prefer = "file" })).Script);
        Assert.Equal("DROP TABLE t;", Assert.Single(MigrationPlanner.PlanDown(now, ledger, new DownRequest { Prefer = "ledger" })).Script);
        Assert.Throws<DataGuardException>(() => MigrationPlanner.PlanDown(now, ledger, new DownRequest { Prefer = "newest" }));
    }

    [Fact]
    public void A_migration_without_any_down_script_is_refused()
    {
        var set = Files((1, "SELECT 1;", null));

        var ex = Assert.Throws<DataGuardException>(() => MigrationPlanner.PlanDown(set, [Entry(set.Migrations[0])], new DownRequest()));

        Assert.Contains("Version 1 (m1) has no down script, in the files or in the ledger", ex.Message);
        Assert.Equal("migrate.down", ex.Operation);
    }

    [Theory]
    [InlineData(false, "DROP TABLE t;", "in-transaction")]
    [InlineData(true, "DROP TABLE t;", "no-transaction")]
    [InlineData(false, "BEGIN;\nDROP TABLE t;\nCOMMIT;", "own-transaction")]
    [InlineData(true, "BEGIN;\nDROP TABLE t;\nCOMMIT;", "no-transaction")]
    public void The_transaction_mode_of_a_down_step_comes_from_the_ledger_row_and_the_chosen_script(bool noTransaction, string down, string mode)
    {
        var set = Files((1, "SELECT 1;", down));
        var entry = Entry(set.Migrations[0]) with { NoTransaction = noTransaction };

        Assert.Equal(mode, Assert.Single(MigrationPlanner.PlanDown(set, [entry], new DownRequest())).ModeText);
    }

    [Fact]
    public void Resolve_finds_the_ledger_row_or_says_the_version_is_unknown()
    {
        var set = Files((1, "SELECT 1;", null));
        var entry = Entry(set.Migrations[0], MigrationState.Dirty);

        Assert.Same(entry, MigrationPlanner.ResolveTarget([entry], 1));
        var ex = Assert.Throws<DataGuardException>(() => MigrationPlanner.ResolveTarget([entry], 2));
        Assert.Equal("Version 2 is not in the ledger.", ex.Message);
        Assert.Equal("migrate.resolve", ex.Operation);
    }

    [Theory]
    [InlineData("InTransaction", "in-transaction")]
    [InlineData("NoTransaction", "no-transaction")]
    [InlineData("OwnTransaction", "own-transaction")]
    public void Modes_keep_the_names_users_see(string mode, string text) => Assert.Equal(text, MigrationStep.Text(Enum.Parse<MigrationTransactionMode>(mode)));

    [Theory]
    [InlineData("CREATE INDEX CONCURRENTLY i ON t (c);", "no-transaction")]
    [InlineData("-- built concurrently\ncreate index concurrently i on t (c);\ncreate index concurrently j on t (d);", "no-transaction")]
    [InlineData("VACUUM t;", "no-transaction")]
    [InlineData("BEGIN;\nCREATE TABLE t (i int);\nCOMMIT;", "own-transaction")]
    [InlineData("CREATE TABLE t (i int);\nCREATE INDEX i ON t (i);", "in-transaction")]
    [InlineData("-- only a comment", "in-transaction")]
    [InlineData("", "in-transaction")]
    public void Statements_that_cannot_run_in_a_transaction_block_run_outside_one_without_a_directive(string up, string mode)
    {
        var set = Files((1, up, "-- nothing\n"));
        Assert.Equal(mode, Assert.Single(MigrationPlanner.PlanUp(set, [], null)).ModeText);
    }

    [Fact]
    public void Down_steps_name_their_file_or_the_ledger_copy_for_messages()
    {
        var set = MigrationDirectory.Parse([("7_a.up.sql", "CREATE TABLE a (i int);"), ("7_undo_a.down.sql", "DROP TABLE a;")]);
        var entry = Entry(set.Migrations[0]);
        Assert.Equal("7_undo_a.down.sql", Assert.Single(MigrationPlanner.PlanDown(set, [entry], new DownRequest())).SourceText);
        Assert.Equal("the ledger's copy of version 7's down script", Assert.Single(MigrationPlanner.PlanDown(Files(), [entry], new DownRequest())).SourceText);
    }

    private static MigrationSet Files(params (long Version, string Up, string? Down)[] migrations) =>
        MigrationDirectory.Parse(migrations.SelectMany(m => m.Down is null
            ? new[] { ($"{m.Version}_m{m.Version}.up.sql", m.Up) }
            : [($"{m.Version}_m{m.Version}.up.sql", m.Up), ($"{m.Version}_m{m.Version}.down.sql", m.Down)]));

    private static LedgerEntry Entry(Migration migration, MigrationState state = MigrationState.Applied, string deploy = "d1") => new()
    {
        Version = migration.Version,
        Title = migration.Title,
        State = state,
        UpSha256 = migration.UpSha256,
        DownSha256 = migration.DownSha256,
        Down = migration.Down,
        NoTransaction = migration.NoTransaction,
        Irreversible = migration.Irreversible,
        AppliedAt = At,
        AppliedBy = "test via tests",
        ExecutionMs = 1,
        DeployId = deploy,
    };
}
