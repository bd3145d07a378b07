using DataGuard.Postgres.Catalog;
using DataGuard.Postgres.Retention;
using DataGuard.Retention;
using static DataGuard.Postgres.Tests.Retention.InMemoryCatalog;

namespace DataGuard.Postgres.Tests.Retention;

/// <summary>
/// The SQL a row-retention run sends: which rows are expired for each timestamp type (a <c>timestamp without time
/// zone</c> read in the policy's zone), what one batch picks in one table, and what it does to the rows picked.
/// </summary>
public sealed class RetentionBatchSqlTests
{
    [Fact]
    public void Timestamptz_is_compared_with_the_cutoff_instant()
    {
        var plan = Plan("timestamp with time zone");
        Assert.Equal("t.\"created_at\" < @cutoff::timestamptz", plan.ExpiredSql(plan.TimestampSql));
        Assert.Equal("t.\"created_at\"", plan.AsTimestamptz("t.\"created_at\""));
    }

    [Fact]
    public void A_date_is_compared_with_the_cutoffs_date_in_the_policys_zone()
    {
        var plan = Plan("date");
        Assert.Equal("t.\"created_at\" < (@cutoff::timestamptz AT TIME ZONE @zone::text)::date", plan.ExpiredSql(plan.TimestampSql));
        Assert.Equal("(t.\"created_at\")::timestamp AT TIME ZONE @zone::text", plan.AsTimestamptz("t.\"created_at\""));
    }

    [Fact]
    public void A_timestamp_without_time_zone_is_read_in_the_policys_zone_and_keeps_an_index_usable_bound()
    {
        // The first half (a day of slack, on the bare column) lets an index on the column narrow the scan; the second half
        // decides: the local time, read in the zone, must be before the cutoff instant (DST gaps and overlaps included).
        var plan = Plan("timestamp without time zone", zone: "America/New_York");
        Assert.Equal(
            "(t.\"created_at\" < (@cutoff::timestamptz AT TIME ZONE @zone::text) + interval '1 day' AND (t.\"created_at\" AT TIME ZONE @zone::text) < @cutoff::timestamptz)",
            plan.ExpiredSql(plan.TimestampSql));
        Assert.Equal("(b AT TIME ZONE @zone::text) <= @cutoff::timestamptz", plan.BoundReachedSql("b"));
        Assert.Equal("America/New_York", plan.Zone);
    }

    [Fact]
    public void The_timestamp_column_is_quoted_whatever_its_name()
    {
        var plan = Plan("timestamp with time zone", column: "Created \"At\"");
        Assert.Equal("t.\"Created \"\"At\"\"\"", plan.TimestampSql);
    }

    [Fact]
    public void A_table_alone_is_scanned_with_ONLY_and_a_family_without()
    {
        Assert.Equal("ONLY \"public\".\"audit log\"", Plan("date", table: "public.audit log").Scan);
        Assert.Equal("\"public\".\"audit log\"", Plan("date", table: "public.audit log", includes: true).Scan);
    }

    [Fact]
    public void A_batch_picks_in_one_table_in_ctid_order_within_a_window_after_the_last_ctid_locking_what_it_picks_and_skipping_what_others_lock()
    {
        var plan = Plan("timestamp with time zone", includes: true);
        plan.Expired = plan.ExpiredSql(plan.TimestampSql);
        var leaf = Table(11, "public.events_2025", 10);

        var sql = RowRetention.PickSql(plan, " AND NOT held", leaf, withSkipped: false, batchSize: 500);

        Assert.Equal(
            "SELECT dg_l.dg_tid::text FROM (SELECT t.ctid AS dg_tid FROM ONLY \"public\".\"events_2025\" t WHERE t.ctid > @dg_after::tid AND t.ctid < @dg_before::tid AND t.\"created_at\" < @cutoff::timestamptz ORDER BY t.ctid) dg_o " +
            "CROSS JOIN LATERAL (SELECT t.ctid AS dg_tid FROM ONLY \"public\".\"events_2025\" t WHERE t.ctid = dg_o.dg_tid AND t.\"created_at\" < @cutoff::timestamptz AND NOT held FOR UPDATE OF t SKIP LOCKED) dg_l LIMIT 500",
            sql);
        Assert.Contains(" AND NOT (t.ctid = ANY(@dg_skipped::tid[])) ORDER BY t.ctid", RowRetention.PickSql(plan, string.Empty, leaf, withSkipped: true, batchSize: 500), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RetentionAction.Delete, false, "DELETE FROM ONLY \"public\".\"events_2025\" AS t WHERE t.ctid = ANY(@dg_tids::tid[])")]
    [InlineData(RetentionAction.Anonymize, false, "UPDATE ONLY \"public\".\"events_2025\" AS t SET \"email\" = NULL WHERE t.ctid = ANY(@dg_tids::tid[])")]
    [InlineData(RetentionAction.ArchiveThenDelete, true, "DELETE FROM ONLY \"public\".\"events_2025\" AS t WHERE t.ctid = ANY(@dg_tids::tid[]) RETURNING row_to_json(t.*)::text")]
    public void A_batch_acts_on_the_ctids_it_picked_in_that_table_only(RetentionAction action, bool archive, string expected)
    {
        var plan = Plan("timestamp with time zone", action: action);
        plan.Assignments = "\"email\" = NULL";
        Assert.Equal(expected, RowRetention.ActSql(plan, Table(11, "public.events_2025", 10), archive));
    }

    private static RetentionPlan Plan(string type, string table = "public.events", bool includes = false, string column = "created_at", string zone = "UTC", RetentionAction action = RetentionAction.Delete)
    {
        var policy = new RetentionPolicyOptions { Name = "events", Table = table, TimestampColumn = column, MaxAge = TimeSpan.FromDays(90), Action = action };
        var relation = Table(10, table);
        var timestamp = new PgColumn(column, type, NotNull: true);
        var pgTable = new PgTable(10, relation.Schema, relation.Name, IsPartitioned: false, [timestamp], []);
        return new RetentionPlan(policy, pgTable, relation, includes, timestamp, new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), zone);
    }
}
