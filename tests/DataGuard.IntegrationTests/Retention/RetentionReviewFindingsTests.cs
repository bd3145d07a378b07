using DataGuard.DependencyInjection;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using static DataGuard.IntegrationTests.Retention.RetentionTestKit;

namespace DataGuard.IntegrationTests.Retention;

/// <summary>
/// Review of issue 13 (hostile): shapes in which retention still touches a row it must keep, reports something
/// false, or fails on valid input. Each test states what PostgreSQL does and what retention should do; each one
/// failed on the code under review (see the review report for the observed behaviour).
/// </summary>
public sealed class RetentionReviewFindingsTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private string? _roleToDrop;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabaseAsync();

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        if (_roleToDrop is { } role)
        {
            await using var connection = new NpgsqlConnection((await TestPostgres.GetServerAsync()).AdminConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP ROLE IF EXISTS {role}", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static RetentionPolicyOptions Policy(string name, string table, string column = "created_at", int days = 30) =>
        new() { Name = name, Table = table, TimestampColumn = column, MaxAge = TimeSpan.FromDays(days) };

    // ------------------------------------------------------------------ data loss

    [Fact]
    public async Task A_hold_on_the_second_parent_of_a_multiply_inherited_child_keeps_its_rows()
    {
        // signed_contracts inherits from both documents and contracts: a query on contracts reads its rows, so a hold
        // on contracts covers them (docs/retention.md: "in the named table and in every table that inherits from it").
        await _database.ExecuteAsync("""
            CREATE TABLE documents (id int NOT NULL, created_at timestamptz NOT NULL);
            CREATE TABLE contracts (id int NOT NULL, party text);
            CREATE TABLE signed_contracts () INHERITS (documents, contracts);
            INSERT INTO signed_contracts VALUES (1, now() - interval '2 years', 'acme'), (2, now() - interval '2 years', 'globex');
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("documents", "public.documents")));
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.contracts", "id", "1", "litigation");
        Assert.Equal(1, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM contracts WHERE id = 1"));   // the hold covers this row

        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal([1], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM signed_contracts"));
    }

    [Fact]
    public async Task A_hold_survives_its_table_being_moved_to_another_schema()
    {
        // Moving closed data into an archive schema is routine; the held row still exists. A renamed COLUMN makes
        // retention refuse ("nothing is deleted until the hold is released or the column restored"); a moved or
        // renamed TABLE silently voids the hold.
        await _database.ExecuteAsync("""
            CREATE TABLE cases (id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO cases VALUES (1, now() - interval '2 years'), (2, now() - interval '2 years');
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("cases", "archive.cases")));
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.cases", "id", "1", "litigation");
        await _database.ExecuteAsync("CREATE SCHEMA archive; ALTER TABLE cases SET SCHEMA archive;");

        var result = await RunOrErrorAsync(services);
        Assert.Equal([1], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM archive.cases WHERE id = 1"));
        Assert.NotNull(result);   // kept, or refused with a reason; never deleted silently
    }

    [Theory]
    [InlineData("DateStyle", "'SQL, DMY'", "'ISO, MDY'", "date", "'2024-03-01'", "'2024-01-03'", "2024-03-01")]
    [InlineData("extra_float_digits", "0", "1", "float8", "0.1::float8 + 0.2::float8", "0.3", "0.30000000000000004")]
    public async Task A_hold_placed_under_other_session_settings_still_holds_its_row(string setting, string whenPlaced, string whenRun, string type, string heldRow, string otherRow, string value)
    {
        // The hold's "canonical" text is what the type prints under the placing session's settings (the database's or
        // the operator role's DateStyle / extra_float_digits); it is parsed back under the retention session's
        // settings. DMY text read as MDY names another day; a float printed with extra_float_digits = 0 names
        // another number.
        await _database.ExecuteAsync($"ALTER DATABASE \"{_database.Name}\" SET {setting} = {whenPlaced}");
        await _database.ExecuteAsync($"""
            CREATE TABLE bookings (id int NOT NULL, k {type} NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO bookings VALUES (1, {heldRow}, now() - interval '2 years'), (2, {otherRow}, now() - interval '2 years');
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("bookings", "public.bookings")));
        var hold = await services.GetRequiredService<LegalHolds>().PlaceAsync("public.bookings", "k", value, "dispute");
        Assert.Equal(1, await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM bookings WHERE k = '{value}'::{type}"));

        await _database.ExecuteAsync($"ALTER DATABASE \"{_database.Name}\" SET {setting} = {whenRun}");
        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        var left = await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM bookings");
        Assert.True(left.SequenceEqual([1]), $"the hold is stored as '{hold.Value}'; rows left: [{string.Join(", ", left)}], expected [1]");
    }

    [Fact]
    public async Task A_timestamp_row_written_in_the_repeated_DST_hour_after_the_cutoff_is_kept()
    {
        // America/New_York falls back on 2026-11-01: 01:00-02:00 happens twice (EDT, then EST). The cutoff is
        // 05:55 UTC = 01:55 EDT. A row stamped '01:50' may be 05:50 UTC (expired) or 06:50 UTC (55 minutes inside
        // the window); PostgreSQL itself reads it as 06:50 UTC. When in doubt, keep the data.
        await _database.ExecuteAsync("""
            CREATE TABLE shifts (id int NOT NULL, at timestamp NOT NULL);
            INSERT INTO shifts VALUES (1, '2026-11-01 01:50'), (2, '2026-11-01 00:30'), (3, '2026-11-01 02:30');
            """);
        Assert.Equal(1, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM shifts WHERE id = 1 AND (at AT TIME ZONE 'America/New_York') > '2026-11-01 05:55:00+00'"));
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 5, 55, 0, TimeSpan.Zero)));
        services.AddDataGuard().AddPostgres(o => o.ConnectionString = _database.ConnectionString);
        services.Configure<RetentionOptions>(o => o.Policies.Add(new RetentionPolicyOptions
        {
            Name = "shifts", Table = "public.shifts", TimestampColumn = "at", MaxAge = TimeSpan.FromDays(30), TimeZone = "America/New_York",
        }));
        await using var provider = services.BuildServiceProvider();
        var run = Assert.Single((await provider.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal([1, 3], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM shifts ORDER BY id"));
    }

    [Fact]
    public async Task A_policy_time_zone_written_as_an_offset_means_what_it_says_or_is_refused()
    {
        // The application writes wall-clock times at UTC-05:00. PostgreSQL reads the zone '-05:00' (and 'UTC-5',
        // 'GMT-5') POSIX-style, as 5 hours EAST of UTC: the cutoff moves 10 hours into the window. The option is
        // documented as an IANA zone but anything PostgreSQL parses is accepted.
        await _database.ExecuteAsync("""
            CREATE TABLE calls (id int NOT NULL, at timestamp NOT NULL);
            INSERT INTO calls VALUES (1, (now() AT TIME ZONE 'Etc/GMT+5') - interval '30 days' + interval '4 hours');   -- 4 h inside the window
            INSERT INTO calls VALUES (2, (now() AT TIME ZONE 'Etc/GMT+5') - interval '30 days' - interval '4 hours');   -- 4 h outside
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(new RetentionPolicyOptions
        {
            Name = "calls", Table = "public.calls", TimestampColumn = "at", MaxAge = TimeSpan.FromDays(30), TimeZone = "-05:00",
        }));
        var result = await RunOrErrorAsync(services);
        Assert.NotNull(result);
        Assert.Equal([1], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM calls WHERE id = 1"));
    }

    [Fact]
    public async Task A_held_row_hidden_by_row_level_security_still_keeps_its_parent()
    {
        // Multi-tenant schema with FORCE ROW LEVEL SECURITY; retention connects as the owner with no tenant set. The
        // foreign-key cascade runs with row security off (PostgreSQL's RI triggers), the hold checks do not.
        var role = $"dg_rls_{Guid.NewGuid():N}"[..20];
        _roleToDrop = role;
        await _database.ExecuteAsync($"""
            CREATE ROLE {role} LOGIN PASSWORD 'rls-pw';
            GRANT CREATE, CONNECT ON DATABASE "{_database.Name}" TO {role};
            GRANT ALL ON SCHEMA public TO {role};
            SET ROLE {role};
            CREATE TABLE customers (id int PRIMARY KEY, tenant text NOT NULL, created_at timestamptz NOT NULL);
            CREATE TABLE invoices (id int PRIMARY KEY, tenant text NOT NULL, customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE, number text NOT NULL);
            ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
            ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
            CREATE POLICY tenant_isolation ON invoices USING (tenant = current_setting('app.tenant', true));
            INSERT INTO customers VALUES (1, 'acme', now() - interval '10 years'), (2, 'acme', now() - interval '10 years');
            SET app.tenant = 'acme';
            INSERT INTO invoices VALUES (1, 'acme', 1, 'INV-1'), (2, 'acme', 2, 'INV-2');
            RESET ROLE;
            """);
        var asRole = new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Username = role, Password = "rls-pw" }.ConnectionString;
        await using var services = Build(asRole, null, o => o.Policies.Add(Policy("customers", "public.customers", days: 365)));
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.invoices", "number", "INV-1", "litigation");
        var result = await RunOrErrorAsync(services);
        Assert.NotNull(result);
        Assert.Equal(["INV-1"], await ColumnAsync<string>(_database.ConnectionString, "SELECT number FROM invoices WHERE number = 'INV-1'"));
    }

    [Fact]
    public async Task A_hold_on_a_column_whose_name_has_a_backslash_holds_when_standard_conforming_strings_is_off()
    {
        // standard_conforming_strings = off is still a valid setting (legacy applications; Npgsql supports it). The
        // hold's table and column names are put into SQL as '...' literals that only double quotes.
        await _database.ExecuteAsync($"ALTER DATABASE \"{_database.Name}\" SET standard_conforming_strings = off");
        await _database.ExecuteAsync("""
            CREATE TABLE files (id int NOT NULL, "dir\name" text, created_at timestamptz NOT NULL);
            INSERT INTO files VALUES (1, 'evidence', now() - interval '2 years'), (2, 'junk', now() - interval '2 years');
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("files", "public.files")));
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.files", "dir\\name", "evidence", "litigation");
        var result = await RunOrErrorAsync(services);
        Assert.NotNull(result);
        Assert.Equal([1], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM files WHERE id = 1"));
    }

    [Fact]
    public async Task A_held_column_name_cannot_inject_sql_into_drop_partitions_when_standard_conforming_strings_is_off()
    {
        // Whoever can name a column (a migration, a tenant-defined field) writes SQL that DropPartitions runs as the
        // retention role: here it voids the hold and drops an unrelated table; the held partition is dropped too.
        const string Column = @"x\'),false))),0::int8 FROM m_a t;DROP TABLE canary--";
        await _database.ExecuteAsync($"""
            CREATE TABLE canary (id int);
            CREATE TABLE m (device text NOT NULL, "{Column}" text, taken_at timestamptz NOT NULL) PARTITION BY RANGE (taken_at);
            CREATE TABLE m_a PARTITION OF m FOR VALUES FROM ('2020-01-01 00:00+00') TO ('2020-02-01 00:00+00');
            CREATE TABLE m_b PARTITION OF m FOR VALUES FROM ('2020-02-01 00:00+00') TO ('2020-03-01 00:00+00');
            INSERT INTO m VALUES ('d1', 'evidence', '2020-01-15 00:00+00'), ('d2', 'junk', '2020-02-15 00:00+00');
            """);
        await _database.ExecuteAsync($"ALTER DATABASE \"{_database.Name}\" SET standard_conforming_strings = off");
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(new RetentionPolicyOptions
        {
            Name = "m", Table = "public.m", TimestampColumn = "taken_at", MaxAge = TimeSpan.FromDays(30), Action = RetentionAction.DropPartitions,
        }));
        await services.GetRequiredService<LegalHolds>().PlaceAsync("public.m", Column, "evidence", "litigation");
        Assert.Equal(1, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM pg_class WHERE relname = 'canary'"));
        var result = await RunOrErrorAsync(services);
        Assert.NotNull(result);
        Assert.Equal(1, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM pg_class WHERE relname = 'canary'"));
        Assert.Equal(["d1"], await ColumnAsync<string>(_database.ConnectionString, "SELECT device FROM m WHERE device = 'd1'"));
    }

    [Fact]
    public async Task A_policy_on_dataguards_own_hold_table_is_refused()
    {
        // "Purge our audit tables older than a year" pointed at dataguard.* deletes active legal holds; the next
        // policy then deletes what they held.
        await _database.ExecuteAsync("""
            CREATE TABLE tickets (id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO tickets VALUES (1, now() - interval '3 years'), (2, now() - interval '3 years');
            """);
        await using var services = Build(_database.ConnectionString, null, o =>
        {
            o.Policies.Add(Policy("dataguard-audit", "dataguard.legal_holds", "placed_at", 365));
            o.Policies.Add(Policy("tickets", "public.tickets"));
        });
        var hold = await services.GetRequiredService<LegalHolds>().PlaceAsync("public.tickets", "id", "1", "litigation, open for two years");
        await _database.ExecuteAsync($"UPDATE dataguard.legal_holds SET placed_at = now() - interval '2 years' WHERE id = {hold.Id}");

        await RunOrErrorAsync(services);
        Assert.Equal(1, await CountAsync(_database.ConnectionString, $"SELECT count(*) FROM dataguard.legal_holds WHERE id = {hold.Id} AND released_at IS NULL"));
        Assert.Contains(1, await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM tickets"));   // the policy is refused before anything runs; the held row stays
    }

    [Fact]
    public async Task A_condition_value_is_not_rounded_to_the_columns_scale_before_comparing()
    {
        // numeric(10,2): "amount <= 9.995" means amounts up to 9.99. The value is cast with the column's typmod,
        // rounded to 10.00, and the 10.00 invoice is deleted as well.
        await _database.ExecuteAsync("""
            CREATE TABLE invoices (id int NOT NULL, amount numeric(10,2) NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO invoices VALUES (1, 9.99, now() - interval '2 years'), (2, 10.00, now() - interval '2 years');
            """);
        Assert.Equal(0, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM invoices WHERE id = 2 AND amount <= 9.995"));
        var policy = Policy("small-invoices", "public.invoices");
        policy.Conditions.Add(new RetentionCondition { Column = "amount", Operator = RetentionOperator.LessThanOrEqual, Value = "9.995" });
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(policy));
        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal([2], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM invoices"));
    }

    // ------------------------------------------------------------------ false reports, refusals and failures on valid input

    [Fact]
    public async Task Set_null_with_a_column_list_does_not_keep_the_parent_forever()
    {
        // PostgreSQL 15: ON DELETE SET NULL (project_id) nulls only project_id; tenant stays (and is NOT NULL). The
        // delete succeeds. Retention treats the key as "SET NULL on a NOT NULL column" and keeps the rows forever,
        // reporting them as kept by references.
        await _database.ExecuteAsync("""
            CREATE TABLE projects (tenant int NOT NULL, id int NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (tenant, id));
            CREATE TABLE tasks (tenant int NOT NULL, id int NOT NULL, project_id int, PRIMARY KEY (tenant, id),
                FOREIGN KEY (tenant, project_id) REFERENCES projects ON DELETE SET NULL (project_id));
            INSERT INTO projects VALUES (1, 1, now() - interval '2 years'), (1, 2, now() - interval '2 years'), (1, 3, now());
            INSERT INTO tasks VALUES (1, 1, 1), (1, 2, 2), (1, 3, 3);
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("projects", "public.projects")));
        var runner = services.GetRequiredService<RetentionRunner>();
        var dry = Assert.Single((await runner.RunAsync(dryRun: true))!.Results);
        Assert.Equal(2, dry.RowsAffected);
        Assert.Equal(0, dry.RowsKeptByReferences);
        var run = Assert.Single((await runner.RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal([3], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM projects"));
        Assert.Equal(2, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM tasks WHERE project_id IS NULL AND tenant = 1"));
    }

    [Fact]
    public async Task Set_default_to_an_expired_sentinel_row_does_not_fail_every_run()
    {
        // A "deleted user" sentinel (id 0) created with the schema, long ago. ON DELETE SET DEFAULT moves posts to it.
        // Deleting the sentinel in the same batch makes every batch fail (23503, retried 3 times); nothing is deleted.
        await _database.ExecuteAsync("""
            CREATE TABLE users (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            INSERT INTO users VALUES (0, now() - interval '5 years');
            INSERT INTO users SELECT g, now() - interval '2 years' FROM generate_series(1, 20) g;
            INSERT INTO users SELECT g, now() FROM generate_series(21, 30) g;
            CREATE TABLE posts (id int PRIMARY KEY, author_id int NOT NULL DEFAULT 0 REFERENCES users ON DELETE SET DEFAULT);
            INSERT INTO posts SELECT g, g FROM generate_series(1, 30) g;
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("users", "public.users")));
        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal(20, run.RowsAffected);
        Assert.Equal(20, await CountAsync(_database.ConnectionString, "SELECT count(*) FROM posts WHERE author_id = 0"));
    }

    [Fact]
    public async Task A_timestamp_column_with_a_precision_is_accepted()
    {
        // Rails 7 creates created_at as timestamp(6) without time zone; timestamptz(3) is common too.
        await _database.ExecuteAsync("""
            CREATE TABLE sessions (id int NOT NULL, created_at timestamp(6) without time zone NOT NULL);
            INSERT INTO sessions VALUES (1, (now() AT TIME ZONE 'UTC') - interval '2 years'), (2, now() AT TIME ZONE 'UTC');
            CREATE TABLE events (id int NOT NULL, created_at timestamptz(3) NOT NULL);
            INSERT INTO events VALUES (1, now() - interval '2 years'), (2, now());
            """);
        await using var services = Build(_database.ConnectionString, null, o =>
        {
            o.Policies.Add(Policy("sessions", "public.sessions"));
            o.Policies.Add(Policy("events", "public.events"));
        });
        var run = (await services.GetRequiredService<RetentionRunner>().RunAsync())!;
        Assert.All(run.Results, r => Assert.Null(r.Error));
        Assert.Equal([2], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM sessions"));
        Assert.Equal([2], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM events"));
    }

    [Fact]
    public async Task A_foreign_key_between_columns_of_different_collations_does_not_fail_the_policy()
    {
        // Valid in PostgreSQL (the key uses the referenced column's equality); comparing the two columns directly,
        // as retention's cascade report and reference walks do, fails with 42P22 (indeterminate collation).
        await _database.ExecuteAsync("""
            CREATE TABLE accounts (email text COLLATE "C" PRIMARY KEY, created_at timestamptz NOT NULL);
            CREATE TABLE logins (id int PRIMARY KEY, email text COLLATE "und-x-icu" REFERENCES accounts ON DELETE CASCADE);
            INSERT INTO accounts VALUES ('a@x', now() - interval '2 years'), ('b@x', now());
            INSERT INTO logins VALUES (1, 'a@x'), (2, 'b@x');
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("accounts", "public.accounts")));
        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal(["b@x"], await ColumnAsync<string>(_database.ConnectionString, "SELECT email FROM accounts"));
    }

    [Fact]
    public async Task A_child_row_locked_by_the_application_leaves_its_parent_for_later_instead_of_failing_the_policy()
    {
        // docs: "rows the application holds locks on wait for the next batch or run". A lock on a row the cascade
        // reaches (not on the policy's own row) makes the batch wait for LockTimeout and fail with 55P03; the whole
        // policy fails and no other expired row is deleted.
        await _database.ExecuteAsync("""
            CREATE TABLE customers (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers ON DELETE CASCADE, note text);
            INSERT INTO customers SELECT g, now() - interval '5 years' FROM generate_series(1, 50) g;
            INSERT INTO orders SELECT g, g, 'x' FROM generate_series(1, 50) g;
            """);
        await using var app = new NpgsqlConnection(_database.ConnectionString);
        await app.OpenAsync();
        await using var transaction = await app.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("UPDATE orders SET note = 'being edited' WHERE id = 7", app, transaction))
        {
            await lockRow.ExecuteNonQueryAsync();
        }

        await using var services = Build(_database.ConnectionString, null, o =>
        {
            o.LockTimeout = TimeSpan.FromMilliseconds(500);
            o.Policies.Add(Policy("customers", "public.customers"));
        });
        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        await transaction.RollbackAsync();
        Assert.Null(run.Error);
        Assert.Equal(49, run.RowsAffected);
        Assert.Equal([7], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM customers"));
    }

    [Fact]
    public async Task A_previous_release_hold_on_a_json_column_does_not_stop_policies_on_unrelated_tables()
    {
        // The previous release compared hold values as text, so holds on json columns worked and exist. The upgrade
        // refuses the whole run (every policy) because json has no equality; the message says to place the hold
        // again, which json refuses: the only way out is to release it and lose the protection.
        await _database.ExecuteAsync("""
            CREATE TABLE evidence (id int NOT NULL, doc json, created_at timestamptz NOT NULL);
            INSERT INTO evidence VALUES (1, '{"case": 17}', now() - interval '3 years');
            CREATE TABLE sessions (id int NOT NULL, created_at timestamptz NOT NULL);
            INSERT INTO sessions VALUES (1, now() - interval '3 years'), (2, now());
            """);
        await using var services = Build(_database.ConnectionString, null, o => o.Policies.Add(Policy("sessions", "public.sessions")));
        await services.GetRequiredService<LegalHolds>().ListAsync();   // the dataguard schema, as the previous release left it
        await _database.ExecuteAsync("""INSERT INTO dataguard.legal_holds (table_name, column_name, value, reason, placed_by) VALUES ('public.evidence', 'doc', '{"case": 17}', 'placed by the previous release', 'legal')""");
        var result = await RunOrErrorAsync(services);
        Assert.IsNotType<DataGuardException>(result);
        Assert.Equal([2], await ColumnAsync<int>(_database.ConnectionString, "SELECT id FROM sessions"));
    }

    [Fact]
    public async Task Rows_kept_by_references_are_not_rescanned_by_every_batch()
    {
        // Batches used to pick with a fresh "SELECT ... WHERE expired AND NOT guards LIMIT n" from the start of the table:
        // the kept rows were looked at again in each batch, so the work was (kept rows) x (batches): 50,000 kept rows
        // and 40 batches made 2,000,000 reference checks. Measured as work, not time: the index scans of the
        // referencing table, one per check of a kept row.
        const int Kept = 50_000;
        await _database.ExecuteAsync($"""
            CREATE TABLE customers (id int PRIMARY KEY, created_at timestamptz NOT NULL);
            CREATE TABLE payments (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers);
            CREATE INDEX payments_customer ON payments (customer_id);
            INSERT INTO customers SELECT g, now() - interval '3 years' FROM generate_series(1, {Kept}) g;
            INSERT INTO payments SELECT g, g FROM generate_series(1, {Kept}) g;
            INSERT INTO customers SELECT g, now() - interval '3 years' FROM generate_series({Kept} + 1, {Kept} + 20000) g;
            ANALYZE customers; ANALYZE payments;
            """);
        await using var services = Build(_database.ConnectionString, null, o =>
        {
            o.BatchSize = 500;
            o.Policies.Add(Policy("customers", "public.customers"));
        });
        var before = await IndexScansAsync();
        var run = Assert.Single((await services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);
        Assert.Null(run.Error);
        Assert.Equal(20_000, run.RowsAffected);
        Assert.Equal(40, run.Batches);

        // The run's session has ended and flushed its statistics; they reach the view shortly after.
        long scans = 0;
        await Eventually.WaitUntilAsync(async () => (scans = await IndexScansAsync() - before) >= Kept);
        Assert.True(scans < 6L * Kept, $"{scans} index scans of payments for {Kept} kept rows and 40 batches: kept rows are checked again in every batch");
    }

    private async Task<long> IndexScansAsync() =>
        await CountAsync(_database.ConnectionString, "SELECT coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'payments'");

    /// <summary>Runs every policy; a refusal (DataGuardException) counts as a result too: nothing was changed.</summary>
    private static async Task<object?> RunOrErrorAsync(ServiceProvider services)
    {
        try
        {
            return await services.GetRequiredService<RetentionRunner>().RunAsync();
        }
        catch (DataGuardException ex)
        {
            return ex;
        }
    }
}
