using DataGuard.Postgres.Retention;
using static DataGuard.Postgres.Tests.Retention.InMemoryCatalog;

namespace DataGuard.Postgres.Tests.Retention;

/// <summary>
/// How the row-retention planner tells rows apart: <c>ctid</c> in ONLY the table when nothing inherits from it (or
/// inherited tables are left out), <c>(tableoid, ctid)</c> across the table and its children otherwise (ctids repeat from
/// one table to the next); relations whose rows have no stable ctid are refused, naming the policy.
/// </summary>
public sealed class RetentionRowIdentityTests
{
    [Fact]
    public void A_table_nothing_inherits_from_is_read_alone_by_ctid()
    {
        var (includes, identity) = RetentionPlanner.Scope(Policy("public.audit_log"), Graph(Table(10, "public.audit_log")), Table(10, "public.audit_log"));
        Assert.False(includes);
        Assert.Equal("ctid in ONLY public.audit_log (no table inherits from it)", identity);
    }

    [Fact]
    public void A_table_with_inheritance_children_is_read_with_them_by_tableoid_and_ctid()
    {
        var parent = Table(10, "public.events");
        var graph = Graph(parent, Table(11, "public.events_2025", 10), Table(12, "public.events_2026", 10), Table(13, "public.events_2026_q1", 12));
        var (includes, identity) = RetentionPlanner.Scope(Policy("public.events"), graph, parent);
        Assert.True(includes);
        Assert.Equal("(tableoid, ctid) across public.events and the 3 table(s) inheriting from it (ctids repeat from one table to the next)", identity);
    }

    [Fact]
    public void Inherited_tables_left_out_means_ONLY_the_table_and_says_so()
    {
        var parent = Table(10, "public.events");
        var graph = Graph(parent, Table(11, "public.events_2025", 10));
        var (includes, identity) = RetentionPlanner.Scope(Policy("public.events", includeInherited: false), graph, parent);
        Assert.False(includes);
        Assert.Equal("ctid in ONLY public.events (the 1 table(s) inheriting from it are left out: IncludeInheritedTables is false)", identity);
    }

    [Fact]
    public void A_partitioned_table_is_read_across_its_leaf_partitions()
    {
        var parent = Relation(20, "public.metrics", 'p', []);
        var graph = Graph(parent, Relation(21, "public.metrics_2025", 'p', [20]), Table(22, "public.metrics_2025_01", 21), Table(23, "public.metrics_2025_02", 21), Table(24, "public.metrics_default", 20));
        var (includes, identity) = RetentionPlanner.Scope(Policy("public.metrics"), graph, parent);
        Assert.True(includes);
        Assert.Equal("(tableoid, ctid) across the 3 partition(s) of public.metrics (ctids repeat from one partition to the next)", identity);
    }

    [Fact]
    public void A_partitioned_table_cannot_leave_out_its_partitions()
    {
        var parent = Relation(20, "public.metrics", 'p', []);
        var ex = Assert.Throws<DataGuardException>(() => RetentionPlanner.Scope(Policy("public.metrics", includeInherited: false), Graph(parent, Table(21, "public.metrics_2025", 20)), parent));
        Assert.Contains("'metrics-policy'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("public.metrics is partitioned: its rows live in its partitions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_foreign_child_is_refused_unless_inherited_tables_are_left_out()
    {
        var parent = Table(10, "public.events");
        var graph = Graph(parent, Relation(11, "public.events_remote", 'f', [10]));
        var ex = Assert.Throws<DataGuardException>(() => RetentionPlanner.Scope(Policy("public.events"), graph, parent));
        Assert.Contains("foreign tables among the tables that inherit from it (public.events_remote)", ex.Message, StringComparison.Ordinal);

        var (includes, _) = RetentionPlanner.Scope(Policy("public.events", includeInherited: false), graph, parent);
        Assert.False(includes);
    }

    [Fact]
    public void A_table_of_another_access_method_is_refused()
    {
        var parent = Table(10, "public.events");
        var graph = Graph(parent, Relation(11, "public.events_columnar", 'r', [10], accessMethod: "columnar"));
        var ex = Assert.Throws<DataGuardException>(() => RetentionPlanner.Scope(Policy("public.events"), graph, parent));
        Assert.Contains("public.events_columnar uses the table access method 'columnar'", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('v', "is a view")]
    [InlineData('m', "is a materialized view")]
    [InlineData('f', "is a foreign table")]
    public void Only_tables_are_acted_on(char kind, string expected)
    {
        var relation = Relation(30, "public.thing", kind, []);
        var ex = Assert.Throws<DataGuardException>(() => RetentionPlanner.Scope(Policy("public.thing"), Graph(relation), relation));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DataGuards_own_tables_are_never_touched()
    {
        var holds = Table(40, "dataguard.legal_holds");
        var ex = Assert.Throws<DataGuardException>(() => RetentionPlanner.Scope(Policy("dataguard.legal_holds"), Graph(holds), holds));
        Assert.Contains("one of DataGuard's own tables", ex.Message, StringComparison.Ordinal);
    }

    private static RetentionPolicyOptions Policy(string table, bool includeInherited = true) => new()
    {
        Name = "metrics-policy",
        Table = table,
        TimestampColumn = "created_at",
        MaxAge = TimeSpan.FromDays(30),
        IncludeInheritedTables = includeInherited,
    };
}
