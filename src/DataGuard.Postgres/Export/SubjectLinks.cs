using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Export;

/// <summary>Turns declared foreign keys and configured links into references between logical tables (<see cref="SubjectLink"/>).</summary>
internal static class SubjectLinks
{
    /// <summary>
    /// One link per distinct reference between logical tables: a foreign key declared on a partitioned table, on all
    /// of its partitions or on only some of them (at any depth), or on an inheritance parent or child, links the top
    /// of the tree; <see cref="SubjectLink.Found"/> says where it was declared.
    /// </summary>
    public static List<SubjectLink> FromForeignKeys(PgSchemaCatalog catalog)
    {
        var links = new List<SubjectLink>();
        var groups = catalog.ForeignKeys.GroupBy(k =>
        {
            var child = catalog.Root(k.Child);
            var parent = catalog.Root(k.Parent);
            var childScope = Covers(child, k.ChildColumns) ? 0 : k.Child;
            var parentSource = Covers(parent, k.ParentColumns) ? 0 : k.Parent;
            return (Child: child.Oid, Columns: string.Join(",", k.ChildColumns), Parent: parent.Oid, ParentColumns: string.Join(",", k.ParentColumns), childScope, parentSource);
        });
        foreach (var group in groups)
        {
            var child = catalog.Find(group.Key.Child)!;
            var parent = catalog.Find(group.Key.Parent)!;
            var first = group.First();
            links.Add(new SubjectLink(first.Name, child.QualifiedName, first.ChildColumns, parent.QualifiedName, first.ParentColumns, Found(catalog, child, group.Select(k => k.Child).Distinct().ToList()))
            {
                ChildScope = group.Key.childScope == 0 ? null : catalog.Find(group.Key.childScope),
                ParentSource = group.Key.parentSource == 0 ? null : catalog.Find(group.Key.parentSource),
            });
        }

        return links;
    }

    /// <summary>The links of <c>Export:Links</c>: the columns must exist (in the named table, which may be a partition or child: the link then holds for its whole tree).</summary>
    public static IEnumerable<SubjectLink> FromOptions(PgSchemaCatalog catalog, ExportOptions options)
    {
        foreach (var (link, i) in options.Links.Select((l, i) => (l, i)))
        {
            var from = ColumnPath.Parse(link.From)!;
            var to = ColumnPath.Parse(link.To)!;
            var ends = new List<(PgTable Table, PgTable Root)>();
            foreach (var end in new[] { from, to })
            {
                var table = catalog.Find(end.Table);
                if (table?.Column(end.Column) is null)
                {
                    throw SubjectDataMapBuilder.Fail($"{ExportOptions.SectionPath}:Links:{i}: the column {end} does not exist.");
                }

                ends.Add((table, catalog.Root(table.Oid)));
            }

            var (child, childRoot) = ends[0];
            var (parent, parentRoot) = ends[1];
            yield return new SubjectLink($"link:{from}", childRoot.QualifiedName, [from.Column], parentRoot.QualifiedName, [to.Column], "configured link")
            {
                ChildScope = childRoot.Column(from.Column) is null ? child : null,
                ParentSource = parentRoot.Column(to.Column) is null ? parent : null,
            };
        }
    }

    private static bool Covers(PgTable table, IReadOnlyList<string> columns) => columns.All(c => table.Column(c) is not null);

    /// <summary>Where a reference of <paramref name="root"/>'s tree was declared, in words.</summary>
    private static string Found(PgSchemaCatalog catalog, PgTable root, List<uint> declaredOn)
    {
        var members = catalog.Descendants(root.Oid);
        if (members.Count == 0)
        {
            return "foreign key";
        }

        var kind = members.Any(m => catalog.IsPartition(m.Oid)) ? "partitions" : "child tables";
        if (declaredOn.Contains(root.Oid))
        {
            var others = declaredOn.Where(o => o != root.Oid).ToList();
            return others.Count == 0
                ? $"foreign key declared on the {(root.IsPartitioned ? "partitioned table" : "parent table")}"
                : $"foreign key declared on the parent and on {others.Count} of {members.Count} {kind}";
        }

        var names = declaredOn.Select(o => catalog.Find(o)!.QualifiedName).Order(StringComparer.Ordinal).ToList();
        var shown = names.Count <= 4 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(3))}, ... {names[^1]}";
        return $"foreign key declared on {names.Count} of {members.Count} {kind} ({shown}), not on {root.QualifiedName}: links the whole table";
    }
}
