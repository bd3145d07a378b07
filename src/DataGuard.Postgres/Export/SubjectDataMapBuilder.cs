using DataGuard.Postgres.Catalog;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>
/// Builds the <see cref="SubjectDataMap"/> from the catalog: a breadth-first walk from the subject table along
/// references (foreign keys and configured links) to every table that references it, directly or through other
/// tables. A partitioned table is one logical table with all its partitions (any depth), an inheritance parent one
/// with its children: a foreign key declared on the parent, on every partition or on only some of them links the
/// whole tree, whose rows are read once, through its top. A row belongs to the subject when it references, through
/// any of its table's edges, a row nearer the subject that does; edges within one distance (cycles, self references)
/// are not followed, so the walk always ends. Columns named and typed like the subject's key that nothing connects
/// are probable links, and every table considered gets a coverage entry.
/// </summary>
internal static class SubjectDataMapBuilder
{
    public static async Task<SubjectDataMap> BuildAsync(NpgsqlConnection connection, ExportOptions options, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Subject.Table))
        {
            throw Fail($"{ExportOptions.SectionPath}:Subject:Table is not set: configure whose data is exported (e.g. public.users).");
        }

        var catalog = await PgSchemaCatalog.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        var subject = catalog.Find(options.Subject.Table)
            ?? throw Fail($"{ExportOptions.SectionPath}:Subject:Table: the table {options.Subject.Table} does not exist.");
        if (catalog.Root(subject.Oid) is var subjectRoot && subjectRoot.Oid != subject.Oid)
        {
            throw Fail($"{ExportOptions.SectionPath}:Subject:Table: {subject.QualifiedName} is a partition or child of {subjectRoot.QualifiedName}; name {subjectRoot.QualifiedName}.");
        }

        var key = subject.Column(options.Subject.Key)
            ?? throw Fail($"{ExportOptions.SectionPath}:Subject:Key: {subject.QualifiedName} has no column '{options.Subject.Key}'.");
        var excluded = ExcludedTables(catalog, options);
        var links = SubjectLinks.FromForeignKeys(catalog);
        links.AddRange(SubjectLinks.FromOptions(catalog, options));

        var tables = new Dictionary<string, (PgTable Table, int Distance)>(StringComparer.Ordinal) { [subject.QualifiedName] = (subject, 0) };
        var frontier = new List<string> { subject.QualifiedName };
        for (var distance = 1; frontier.Count > 0; distance++)
        {
            var next = new List<string>();
            foreach (var link in links.Where(e => frontier.Contains(e.Parent) && !tables.ContainsKey(e.Child) && !excluded.ContainsKey(e.Child)))
            {
                if (!next.Contains(link.Child) && catalog.Find(link.Child) is { } table)
                {
                    tables[link.Child] = (table, distance);
                    next.Add(link.Child);
                }
            }

            frontier = next;
        }

        var mapped = tables.Values
            .OrderBy(t => t.Distance).ThenBy(t => t.Table.QualifiedName, StringComparer.Ordinal)
            .Select(t =>
            {
                var inward = links.Where(e => e.Child == t.Table.QualifiedName && tables.TryGetValue(e.Parent, out var parent) && parent.Distance < t.Distance).ToList();
                var (columns, redacted) = Redact(t.Table, options.Redaction);
                var members = catalog.Descendants(t.Table.Oid);
                var mappedTable = new MappedTable(t.Table, t.Distance, inward, columns, redacted) { Members = members.Select(m => m.QualifiedName).ToList() };
                if (members.Count == 0 || t.Table.IsPartitioned)
                {
                    return mappedTable;
                }

                // An inheritance tree: each table on its own (ONLY), so children's own columns leave too.
                return mappedTable with
                {
                    Parts = members.Prepend(t.Table).Select(m =>
                    {
                        var (partColumns, partRedacted) = Redact(m, options.Redaction);
                        return new ExportPart(m, Only: true, partColumns, partRedacted);
                    }).ToList(),
                };
            })
            .ToList();
        var (probable, silenced) = ProbableLinks(catalog, subject, key, links, excluded, options);
        var warnings = probable.Select(p => $"{p.Name} looks like a reference to {subject.QualifiedName}.{key.Name} ({p.Column.Type}) but has no foreign key or link: its rows are not exported. Declare it in {ExportOptions.SectionPath}:Links (or AddExportLink), or silence it in {ExportOptions.SectionPath}:Exclude.").ToList();
        foreach (var link in links.Where(l => l.Configured && !tables.ContainsKey(l.Parent)))
        {
            warnings.Add($"the configured link {link.Name[5..]} -> {link.Parent}.{string.Join(", ", link.ParentColumns)} leads to a table that is not linked to the subject: it exports nothing.");
        }

        var coverage = Coverage(catalog, mapped, probable, silenced, excluded);
        return new SubjectDataMap(subject, key, mapped, warnings) { ProbableLinks = probable, Coverage = coverage };
    }

    /// <summary>The operation of a configuration error: its message names only configuration keys and catalog objects, never a row's values, so it may be logged.</summary>
    internal const string ConfigurationOperation = "export.configuration";

    internal static DataGuardException Fail(string message) => new(message) { Operation = ConfigurationOperation };

    /// <summary>A table on its own (a table export): its columns after redaction.</summary>
    internal static MappedTable Describe(PgTable table, RedactionOptions redaction)
    {
        var (columns, redacted) = Redact(table, redaction);
        return new MappedTable(table, 0, [], columns, redacted);
    }

    /// <summary>The tables never exported, with the rule that says so.</summary>
    private static Dictionary<string, string> ExcludedTables(PgSchemaCatalog catalog, ExportOptions options)
    {
        var excluded = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in options.ExcludeTables)
        {
            if (catalog.Find(name) is { } table && catalog.Root(table.Oid) is var root && root.Oid != table.Oid)
            {
                throw Fail($"{ExportOptions.SectionPath}:ExcludeTables: {name} is a partition or child of {root.QualifiedName}, whose rows are read through {root.QualifiedName}; exclude {root.QualifiedName} as a whole.");
            }

            excluded[name] = $"{ExportOptions.SectionPath}:ExcludeTables";
        }

        foreach (var table in catalog.Roots.Where(t => t.Schema == "dataguard"))
        {
            excluded[table.QualifiedName] = "DataGuard's own schema is never exported";
        }

        return excluded;
    }

    private static (List<ProbableLink> Probable, List<(ProbableLink Link, string Rule)> Silenced) ProbableLinks(
        PgSchemaCatalog catalog, PgTable subject, PgColumn key, List<SubjectLink> links, Dictionary<string, string> excluded, ExportOptions options)
    {
        var names = CandidateNames(subject, key);
        var probable = new List<ProbableLink>();
        var silenced = new List<(ProbableLink, string)>();
        foreach (var table in catalog.Roots.Where(t => !excluded.ContainsKey(t.QualifiedName)))
        {
            foreach (var column in table.Columns.Where(c => names.Contains(c.Name.ToLowerInvariant()) && SameKind(c, key)))
            {
                if ((table.Oid == subject.Oid && column.Name == key.Name) || links.Any(l => l.Child == table.QualifiedName && l.ChildColumns.Contains(column.Name, StringComparer.Ordinal)))
                {
                    continue;
                }

                var link = new ProbableLink(table, column);
                if (options.Exclude.Contains(link.Name, StringComparer.Ordinal) || options.Exclude.Contains(table.QualifiedName, StringComparer.Ordinal))
                {
                    silenced.Add((link, $"{ExportOptions.SectionPath}:Exclude"));
                }
                else
                {
                    probable.Add(link);
                }
            }
        }

        return (probable, silenced);
    }

    /// <summary><c>customer_id</c>, <c>user_id</c>, <c>owner_id</c>, the key's own name (unless a bare <c>id</c>), and the subject table's name with the key's.</summary>
    private static HashSet<string> CandidateNames(PgTable subject, PgColumn key)
    {
        var table = subject.Name.ToLowerInvariant();
        var singular = table.EndsWith("ies", StringComparison.Ordinal) ? table[..^3] + "y" : table.TrimEnd('s');
        var keyName = key.Name.ToLowerInvariant();
        var names = new HashSet<string>(StringComparer.Ordinal) { "customer_id", "user_id", "owner_id", $"{singular}_id", $"{singular}_{keyName}", $"{table}_{keyName}", $"{singular}{keyName}" };
        if (keyName != "id")
        {
            names.Add(keyName);
        }

        return names;
    }

    /// <summary>Whether a column can hold the subject key's values: the same type, or both integers, or both text.</summary>
    private static bool SameKind(PgColumn column, PgColumn key)
    {
        static string Kind(string type) => type switch
        {
            "smallint" or "integer" or "bigint" => "integer",
            "text" or "character varying" or "character" => "text",
            _ => type,
        };

        return Kind(column.BaseType) == Kind(key.BaseType);
    }

    private static List<CoverageEntry> Coverage(PgSchemaCatalog catalog, List<MappedTable> mapped, List<ProbableLink> probable, List<(ProbableLink Link, string Rule)> silenced, Dictionary<string, string> excluded)
    {
        var entries = new List<CoverageEntry>();
        foreach (var table in catalog.Roots)
        {
            var name = table.QualifiedName;
            var members = catalog.Descendants(table.Oid);
            var through = members.Count == 0 ? string.Empty : $" (read with the {members.Count} {(members.Any(m => catalog.IsPartition(m.Oid)) ? "partitions" : "tables")} below it)";
            var unlinked = probable.Where(p => p.Table.Oid == table.Oid).Select(p => p.Column.Name).ToList();
            var quiet = silenced.Where(s => s.Link.Table.Oid == table.Oid).ToList();
            if (mapped.FirstOrDefault(m => m.Table.Oid == table.Oid) is { } m)
            {
                var detail = m.Distance == 0 ? "the subject table" : "through " + string.Join("; ", m.Paths);
                if (unlinked.Count > 0)
                {
                    detail += $"; probable link not followed: {string.Join(", ", unlinked)}";
                }

                entries.Add(new CoverageEntry(name, CoverageStatus.Included, detail + through));
            }
            else if (excluded.TryGetValue(name, out var rule))
            {
                entries.Add(new CoverageEntry(name, CoverageStatus.Excluded, $"by {rule}"));
            }
            else if (unlinked.Count > 0)
            {
                entries.Add(new CoverageEntry(name, CoverageStatus.ProbableLink, $"{string.Join(", ", unlinked)} looks like a reference to the subject, but nothing declares it: not exported{through}"));
            }
            else if (quiet.Count > 0)
            {
                entries.Add(new CoverageEntry(name, CoverageStatus.Excluded, $"by {quiet[0].Rule}: {string.Join(", ", quiet.Select(q => q.Link.Name))} is not a reference to the subject"));
            }
            else
            {
                entries.Add(new CoverageEntry(name, CoverageStatus.NotLinked, "no foreign key, link or column like the subject's key leads to the subject"));
            }
        }

        return entries;
    }

    private static (List<PgColumn> Columns, List<string> Redacted) Redact(PgTable table, RedactionOptions redaction)
    {
        bool Leaves(PgColumn column)
        {
            var qualified = $"{table.QualifiedName}.{column.Name}";
            if (redaction.Mode == RedactionMode.Allowlist)
            {
                return redaction.Allow.Contains(qualified, StringComparer.Ordinal) || redaction.Allow.Contains($"{table.QualifiedName}.*", StringComparer.Ordinal);
            }

            return !redaction.Deny.Contains(qualified, StringComparer.Ordinal)
                && !redaction.Deny.Contains(column.Name, StringComparer.Ordinal)
                && !(redaction.DenySensitiveNames && SensitiveNames.IsSensitive(column.Name));
        }

        var columns = table.Columns.Where(Leaves).ToList();
        return (columns, table.Columns.Except(columns).Select(c => c.Name).ToList());
    }
}
