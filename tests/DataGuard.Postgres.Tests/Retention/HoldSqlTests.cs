using DataGuard.Postgres.Retention;
using static DataGuard.Postgres.Tests.Retention.InMemoryCatalog;

namespace DataGuard.Postgres.Tests.Retention;

/// <summary>
/// The legal-hold predicates: a held value is compared in its column's own type (cast from the stored text by the
/// statement itself, never spliced in), or as text for types without equality; holds are found by table oid and column
/// number; a hold on an ancestor covers a row on itself, a hold below the relation matches by (tableoid, ctid).
/// </summary>
public sealed class HoldSqlTests
{
    private const string Active = "dg_hold.released_at IS NULL AND dg_hold.kind = 'table'";

    [Theory]
    [InlineData("uuid")]
    [InlineData("integer")]
    [InlineData("bigint")]
    [InlineData("numeric(12,2)")]
    [InlineData("citext")]
    [InlineData("public.citext")]
    [InlineData("text")]
    [InlineData("character varying(64)")]
    [InlineData("public.order_ref")]
    public void A_hold_compares_in_the_columns_own_type(string type)
    {
        var sql = Held(Column(10, 2, "customer id", type), Table(10, "public.orders"), withDescendants: false);
        Assert.Equal(
            $"(COALESCE(t.\"customer id\" IN (SELECT dg_hold.value::{type} FROM dataguard.legal_holds dg_hold WHERE {Active} AND dg_hold.table_oid = 10::oid AND dg_hold.column_number = 2), false))",
            sql);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("xml")]
    [InlineData("point")]
    public void A_type_without_equality_compares_as_text(string type)
    {
        var column = Column(10, 3, "payload", type);
        column.TextCompare = true;
        var sql = Held(column, Table(10, "public.orders"), withDescendants: false);
        Assert.Equal(
            $"(COALESCE(t.\"payload\"::text IN (SELECT dg_hold.value FROM dataguard.legal_holds dg_hold WHERE {Active} AND dg_hold.table_oid = 10::oid AND dg_hold.column_number = 3), false))",
            sql);
    }

    [Fact]
    public void The_ids_of_the_holds_that_keep_a_row_are_found_the_same_way()
    {
        var graph = Graph(Table(10, "public.orders"));
        var sql = new HoldSql(graph, new ActiveHolds([Column(10, 2, "id", "uuid")], []), map: null).HeldIds(Table(10, "public.orders"), "t", withDescendants: false, Policy());
        Assert.Equal($"SELECT dg_hold.id FROM dataguard.legal_holds dg_hold WHERE {Active} AND dg_hold.table_oid = 10::oid AND dg_hold.column_number = 2 AND t.\"id\" = dg_hold.value::uuid", sql);
    }

    [Fact]
    public void A_hold_on_a_parent_covers_a_child_row_on_the_row_itself()
    {
        var parent = Table(10, "public.events");
        var child = Table(11, "public.events_2025", 10);
        var sql = new HoldSql(Graph(parent, child), new ActiveHolds([Column(10, 1, "id", "bigint")], []), map: null).Held(child, "t", withDescendants: false, Policy());
        Assert.StartsWith("(COALESCE(t.\"id\" IN (SELECT dg_hold.value::bigint", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("ctid", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hold_on_a_child_covers_rows_read_through_the_parent_by_tableoid_and_ctid_only()
    {
        var parent = Table(10, "public.events");
        var child = Table(11, "public.events_2025", 10);
        var holds = new HoldSql(Graph(parent, child), new ActiveHolds([Column(11, 1, "id", "bigint")], []), map: null);

        var sql = holds.Held(parent, "t", withDescendants: true, Policy());
        Assert.Equal(
            $"(EXISTS (SELECT 1 FROM \"public\".\"events_2025\" dg_hx WHERE dg_hx.tableoid = t.tableoid AND dg_hx.ctid = t.ctid AND COALESCE(dg_hx.\"id\" IN (SELECT dg_hold.value::bigint FROM dataguard.legal_holds dg_hold WHERE {Active} AND dg_hold.table_oid = 11::oid AND dg_hold.column_number = 1), false)))",
            sql);

        // Read with ONLY, the parent's own rows cannot be the child's: nothing to compare.
        Assert.Null(holds.Held(parent, "t", withDescendants: false, Policy()));
    }

    [Fact]
    public void Several_holds_are_ored_and_a_table_of_another_family_is_not_covered()
    {
        var orders = Table(10, "public.orders");
        var other = Table(20, "public.invoices");
        var holds = new HoldSql(Graph(orders, other), new ActiveHolds([Column(10, 1, "id", "integer"), Column(10, 4, "ref", "text")], []), map: null);
        var sql = holds.Held(orders, "t", withDescendants: false, Policy())!;
        Assert.Contains(") OR COALESCE(", sql, StringComparison.Ordinal);
        Assert.Contains("dg_hold.column_number = 1", sql, StringComparison.Ordinal);
        Assert.Contains("dg_hold.column_number = 4", sql, StringComparison.Ordinal);
        Assert.Null(holds.Held(other, "t", withDescendants: false, Policy()));
        Assert.Contains(10u, holds.Families);
        Assert.DoesNotContain(20u, holds.Families);
    }

    [Fact]
    public void A_hold_on_a_dropped_table_holds_nothing()
    {
        var orders = Table(10, "public.orders");
        var holds = new HoldSql(Graph(orders), new ActiveHolds([Column(99, 1, "id", "integer")], []), map: null);
        Assert.Null(holds.Held(orders, "t", withDescendants: true, Policy()));
    }

    [Fact]
    public void A_hold_whose_column_was_dropped_stops_the_policy_naming_it()
    {
        var orders = Table(10, "public.orders");
        var dropped = new HeldColumn(10, 5, "public.orders.legacy_ref", "public.orders", Column: null, Type: null);
        var holds = new HoldSql(Graph(orders), new ActiveHolds([dropped], []), map: null);
        var ex = Assert.Throws<DataGuardException>(() => holds.Held(orders, "t", withDescendants: false, Policy()));
        Assert.Contains("Retention policy 'orders'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("public.orders.legacy_ref, whose column no longer exists", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_value_ever_appears_in_the_SQL()
    {
        // Values stay in dataguard.legal_holds: the SQL only names the hold's table oid and column number.
        var sql = Held(Column(10, 2, "email", "text"), Table(10, "public.orders"), withDescendants: false);
        Assert.DoesNotContain("'", sql.Replace("'table'", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static HeldColumn Column(uint table, short number, string name, string type) => new(table, number, $"public.orders.{name}", "public.orders", name, type);

    private static string Held(HeldColumn column, DataGuard.Postgres.Catalog.PgRelation relation, bool withDescendants) =>
        new HoldSql(Graph(relation), new ActiveHolds([column], []), map: null).Held(relation, "t", withDescendants, Policy())!;

    private static RetentionPolicyOptions Policy() => new() { Name = "orders", Table = "public.orders", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(30) };
}
