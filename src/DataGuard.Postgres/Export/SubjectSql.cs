using System.Text;

namespace DataGuard.Postgres.Export;

/// <summary>The SQL that selects one subject's rows of a mapped table: nested <c>IN</c> subqueries along the map's edges, identifiers from the catalog, quoted; the subject key is the only parameter (<c>@subject</c>). Tables are read without <c>ONLY</c>: a partitioned table or inheritance parent with every table below it, each row once.</summary>
internal static class SubjectSql
{
    public static string Condition(SubjectDataMap map, MappedTable table, string alias, int depth = 0) =>
        Condition(map, table, alias, key => $"{key} = @subject::{map.Key.BaseType}", depth);

    /// <summary>The rows of <paramref name="table"/> that belong to the subjects for which <paramref name="subjectTest"/> (given the subject table's quoted key column) is true.</summary>
    public static string Condition(SubjectDataMap map, MappedTable table, string alias, Func<string, string> subjectTest, int depth = 0)
    {
        if (table.Distance == 0)
        {
            return subjectTest($"{alias}.{PgIdentifiers.Quote(map.Key.Name)}");
        }

        var parts = new List<string>();
        foreach (var edge in table.Edges)
        {
            var parent = map.Find(edge.Parent)!;
            var inner = $"p{depth}";
            var source = edge.ParentSource?.Quoted ?? parent.Table.Quoted;
            var row = edge.ChildScope is null ? alias : $"s{depth}";
            var children = string.Join(", ", edge.ChildColumns.Select(c => $"{row}.{PgIdentifiers.Quote(c)}"));
            var parents = string.Join(", ", edge.ParentColumns.Select(c => $"{inner}.{PgIdentifiers.Quote(c)}"));
            var left = edge.ChildColumns.Count == 1 ? children : $"({children})";
            var test = $"{left} IN (SELECT {parents} FROM {source} {inner} WHERE {Condition(map, parent, inner, subjectTest, depth + 1)})";

            // A column only a table below the logical table has: match the row through that table by (tableoid, ctid).
            parts.Add(edge.ChildScope is { } scope
                ? $"EXISTS (SELECT 1 FROM {scope.Quoted} {row} WHERE {row}.tableoid = {alias}.tableoid AND {row}.ctid = {alias}.ctid AND {test})"
                : test);
        }

        return parts.Count == 1 ? parts[0] : "(" + string.Join(" OR ", parts) + ")";
    }

    public static string Select(SubjectDataMap map, MappedTable table, ExportPart part)
    {
        var sql = new StringBuilder("SELECT ");
        sql.Append(string.Join(", ", part.Columns.Select(c => ExportColumns.Select("t", c))));
        sql.Append(" FROM ").Append(part.From).Append(" t WHERE ").Append(Condition(map, table, "t"));
        if (part.Table.PrimaryKey.Count > 0)
        {
            sql.Append(" ORDER BY ").Append(string.Join(", ", part.Table.PrimaryKey.Select(c => $"t.{PgIdentifiers.Quote(c)}")));
        }

        return sql.ToString();
    }

    public static string Count(SubjectDataMap map, MappedTable table, ExportPart part) =>
        $"SELECT count(*) FROM {part.From} t WHERE {Condition(map, table, "t")}";
}
