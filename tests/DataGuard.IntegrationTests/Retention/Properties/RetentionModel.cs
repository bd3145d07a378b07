using System.Globalization;
using System.Text;
using DataGuard.Retention;

namespace DataGuard.IntegrationTests.Retention.Properties;

/// <summary>A column of a generated table.</summary>
internal sealed record MColumn(string Name, string Sql, bool NotNull);

/// <summary>A generated table: plain, an inheritance child, a partitioned table or a partition.</summary>
internal sealed class MTable(string name)
{
    public string Name { get; } = name;

    public MTable? InheritsFrom { get; init; }

    /// <summary>Gets a second parent (multiple inheritance): a query on it reads this table's rows too.</summary>
    public MTable? AlsoInheritsFrom { get; init; }

    public MTable? PartitionOf { get; init; }

    /// <summary>Gets <c>RANGE (ts)</c>, <c>LIST (region)</c>, <c>HASH (rid)</c> when partitioned.</summary>
    public string? PartitionBy { get; init; }

    /// <summary>Gets the partition bound clause (<c>FOR VALUES ...</c> or <c>DEFAULT</c>).</summary>
    public string? Bound { get; init; }

    /// <summary>Gets the range upper bound of a partition of the policy's table (null: MAXVALUE or DEFAULT).</summary>
    public IComparable? RangeUpper { get; init; }

    public List<MColumn> Columns { get; } = [];

    public List<string> PrimaryKey { get; } = [];

    public bool IsPartitioned => PartitionBy is not null;

    public bool HasRows => !IsPartitioned;

    /// <summary>Gets the relation a foreign key on it covers: a partitioned table covers its partitions, any other table only itself.</summary>
    public bool Covers(MTable leaf) => IsPartitioned ? leaf.IsSelfOrDescendantOf(this) : leaf == this;

    public bool IsSelfOrDescendantOf(MTable ancestor) =>
        this == ancestor
        || (InheritsFrom ?? PartitionOf)?.IsSelfOrDescendantOf(ancestor) == true
        || AlsoInheritsFrom?.IsSelfOrDescendantOf(ancestor) == true;

    public IEnumerable<MColumn> AllColumns => (InheritsFrom ?? PartitionOf)?.AllColumns.Concat(Columns) ?? Columns;
}

/// <summary>A generated foreign key.</summary>
internal sealed record MForeignKey(string Name, MTable Child, string[] ChildColumns, MTable Parent, string[] ParentColumns, string Action, bool NotNull);

/// <summary>A value: its SQL literal and its identity under the column type's equality.</summary>
internal sealed record MValue(string Sql, string Canon, IComparable? Ordered = null)
{
    public static readonly MValue Null = new("NULL", "\0null");

    public bool IsNull => ReferenceEquals(this, Null) || Sql == "NULL";
}

/// <summary>A generated row; <see cref="Leaf"/> is where PostgreSQL stored it (read back after loading).</summary>
internal sealed class MRow(long rid, MTable table)
{
    public long Rid { get; } = rid;

    /// <summary>Gets the table the row was inserted into.</summary>
    public MTable Table { get; } = table;

    public MTable Leaf { get; set; } = table;

    public Dictionary<string, MValue> Values { get; } = new(StringComparer.Ordinal);

    public MValue this[string column] => Values.GetValueOrDefault(column, MValue.Null);
}

/// <summary>A generated legal hold: the table it names, the column, the textual form given, and the value it means.</summary>
internal sealed record MHold(MTable Table, string Column, string Text, string Canon);

/// <summary>
/// One generated case: a schema (a policy table with inheritance children or partitions, tables referencing it
/// through keys with every ON DELETE action, some declared on single partitions), rows around the cutoff, holds in
/// random textual forms, and a policy. <see cref="Expect"/> is the oracle: computed from the model alone, in C#.
/// </summary>
internal sealed class RetentionModel
{
    public required string Schema { get; init; }

    public required MTable Root { get; init; }

    public required string TimestampType { get; init; }

    public required DateTimeOffset Cutoff { get; init; }

    public required string? Zone { get; init; }

    public required RetentionAction Action { get; init; }

    public required bool IncludeInherited { get; init; }

    public required int BatchSize { get; init; }

    public required TimeSpan MaxAge { get; init; }

    /// <summary>Gets the name of the policy's table (plain, or with quotes, dots, spaces and non-ASCII letters).</summary>
    public string RootName => Root.Name;

    public List<MTable> Tables { get; } = [];

    public List<MForeignKey> Keys { get; } = [];

    public List<MRow> Rows { get; } = [];

    public List<MHold> Holds { get; } = [];

    public string Q(string name) => $"\"{Schema}\".\"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";

    /// <summary>
    /// Whether a row's timestamp is before the cutoff: an instant as is; a wall-clock time as the instant PostgreSQL makes
    /// of it in the zone (a time repeated when clocks fall back, or skipped when they spring forward, takes the offset
    /// of standard time: the later instant); a day once it has wholly passed in the zone.
    /// </summary>
    public bool IsExpiredValue(IComparable value)
    {
        switch (value)
        {
            case DateTimeOffset instant:
                return instant < Cutoff;
            case DateTime wall:
                return new DateTimeOffset(DateTime.SpecifyKind(wall, DateTimeKind.Unspecified), StandardOffset(wall)) < Cutoff;
            default:
                return value.CompareTo(CutoffValue) < 0;
        }
    }

    /// <summary>The cutoff in the timestamp column's own domain: an instant, a wall-clock time in the zone, or a day.</summary>
    public IComparable CutoffValue
    {
        get
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone ?? "UTC");
            var wall = TimeZoneInfo.ConvertTime(Cutoff, zone).DateTime;
            return TimestampType switch
            {
                "timestamptz" => Cutoff,
                "timestamp" => DateTime.SpecifyKind(wall, DateTimeKind.Unspecified),
                _ => DateOnly.FromDateTime(wall),
            };
        }
    }

    public bool IsExpired(MRow row) => IsExpiredValue(row["ts"].Ordered!);

    public string Ddl()
    {
        var sql = new StringBuilder($"CREATE SCHEMA \"{Schema}\";\n");
        foreach (var table in Tables)
        {
            if (table.PartitionOf is { } parent)
            {
                sql.Append($"CREATE TABLE {Q(table.Name)} PARTITION OF {Q(parent.Name)} {table.Bound}{(table.PartitionBy is { } p ? $" PARTITION BY {p}" : string.Empty)};\n");
                continue;
            }

            var columns = table.Columns.Select(c => $"\"{c.Name}\" {c.Sql}{(c.NotNull ? " NOT NULL" : string.Empty)}").ToList();
            if (table.PrimaryKey.Count > 0)
            {
                columns.Add($"PRIMARY KEY ({string.Join(", ", table.PrimaryKey.Select(c => $"\"{c}\""))})");
            }

            var inherits = table.InheritsFrom is { } from ? $" INHERITS ({Q(from.Name)}{(table.AlsoInheritsFrom is { } also ? ", " + Q(also.Name) : string.Empty)})" : string.Empty;
            var partition = table.PartitionBy is { } by ? $" PARTITION BY {by}" : string.Empty;
            sql.Append($"CREATE TABLE {Q(table.Name)} ({string.Join(", ", columns)}){inherits}{partition};\n");
        }

        foreach (var key in Keys)
        {
            var action = key.Action == "NO ACTION" ? string.Empty : $" ON DELETE {key.Action}";
            sql.Append($"ALTER TABLE {Q(key.Child.Name)} ADD CONSTRAINT \"{key.Name}\" FOREIGN KEY ({string.Join(", ", key.ChildColumns.Select(c => $"\"{c}\""))}) REFERENCES {Q(key.Parent.Name)} ({string.Join(", ", key.ParentColumns.Select(c => $"\"{c}\""))}){action};\n");
        }

        return sql.ToString();
    }

    public string Inserts()
    {
        var sql = new StringBuilder();
        foreach (var row in Rows)
        {
            var columns = row.Values.Keys.ToList();
            sql.Append($"INSERT INTO {Q(row.Table.Name)} ({string.Join(", ", columns.Select(c => $"\"{c}\""))}) VALUES ({string.Join(", ", columns.Select(c => row.Values[c].Sql))});\n");
        }

        return sql.ToString();
    }

    /// <summary>Whether <paramref name="child"/> references <paramref name="parent"/> through <paramref name="key"/>, as PostgreSQL enforces the key.</summary>
    public static bool References(MForeignKey key, MRow child, MRow parent)
    {
        if (!key.Child.Covers(child.Leaf) || !key.Parent.Covers(parent.Leaf))
        {
            return false;
        }

        for (var i = 0; i < key.ChildColumns.Length; i++)
        {
            var value = child[key.ChildColumns[i]];
            if (value.IsNull || value.Canon != parent[key.ParentColumns[i]].Canon)
            {
                return false;
            }
        }

        return true;
    }

    public bool IsHeld(MRow row) => Holds.Any(h => row.Leaf.IsSelfOrDescendantOf(h.Table) && row[h.Column] is { IsNull: false } v && v.Canon == h.Canon);

    /// <summary>The oracle: what the database must look like after the policy ran to completion.</summary>
    public Expectation Expect()
    {
        var live = Rows.ToDictionary(r => r.Rid);
        var nulled = new Dictionary<long, HashSet<string>>();
        var anonymized = new HashSet<long>();
        var droppedPartitions = new List<string>();

        // Rows that a held row needs: held rows and everything they reference, at any depth, through any key.
        var needed = Rows.Where(IsHeld).Select(r => r.Rid).ToHashSet();
        for (var grown = true; grown;)
        {
            grown = false;
            foreach (var key in Keys)
            {
                foreach (var child in Rows.Where(r => needed.Contains(r.Rid)))
                {
                    foreach (var parent in Rows.Where(p => !needed.Contains(p.Rid) && References(key, child, p)).ToList())
                    {
                        needed.Add(parent.Rid);
                        grown = true;
                    }
                }
            }
        }

        bool InScope(MRow r) => IncludeInherited || Root.IsPartitioned ? r.Leaf.IsSelfOrDescendantOf(Root) : r.Leaf == Root;
        var candidates = Rows.Where(r => InScope(r) && IsExpired(r) && !needed.Contains(r.Rid)).Select(r => r.Rid).ToList();
        long firstStep = 0, acted = 0;
        if (Action == RetentionAction.Anonymize)
        {
            anonymized.UnionWith(candidates);
            firstStep = acted = candidates.Count;
        }
        else if (Action == RetentionAction.DropPartitions)
        {
            foreach (var partition in Tables.Where(t => t.PartitionOf == Root).OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                if (partition.RangeUpper is null || !BoundReached(partition.RangeUpper))
                {
                    continue;
                }

                var rows = live.Values.Where(r => r.Leaf.IsSelfOrDescendantOf(partition)).ToList();
                var referenced = rows.Any(p => live.Values.Any(c => Keys.Any(k => References(k, c, p))));
                if (rows.Any(r => needed.Contains(r.Rid) || !IsExpired(r)) || referenced)
                {
                    continue;
                }

                droppedPartitions.Add(partition.Name);
                foreach (var row in rows)
                {
                    live.Remove(row.Rid);
                }

                acted += rows.Count;
            }

            firstStep = acted;
        }
        else
        {
            // Batches run until none is left: a row kept by a reference goes once the referencing row has gone.
            var remaining = candidates.ToHashSet();
            for (var step = 0; ; step++)
            {
                var deletable = remaining.Where(rid => !Restricted(live, live[rid])).ToList();
                if (deletable.Count == 0)
                {
                    break;
                }

                if (step == 0)
                {
                    firstStep = deletable.Count;
                }

                acted += deletable.Count;
                var doomed = new HashSet<long>();
                foreach (var rid in deletable)
                {
                    doomed.UnionWith(Cascade(live, live[rid]));
                }

                foreach (var key in Keys.Where(k => k.Action == "SET NULL"))
                {
                    foreach (var child in live.Values.Where(c => !doomed.Contains(c.Rid)))
                    {
                        if (doomed.Any(d => References(key, child, live[d])))
                        {
                            (nulled.TryGetValue(child.Rid, out var set) ? set : nulled[child.Rid] = []).UnionWith(key.ChildColumns);
                            foreach (var column in key.ChildColumns)
                            {
                                child.Values[column] = MValue.Null;
                            }
                        }
                    }
                }

                foreach (var rid in doomed)
                {
                    live.Remove(rid);
                }

                remaining.ExceptWith(doomed);
            }
        }

        return new Expectation(live.Keys.ToHashSet(), nulled, anonymized, droppedPartitions, firstStep, acted);
    }

    /// <summary>Whether every value below a partition's upper bound is expired (the bound itself read as the values are).</summary>
    private bool BoundReached(IComparable bound) => bound switch
    {
        DateTime wall => new DateTimeOffset(DateTime.SpecifyKind(wall, DateTimeKind.Unspecified), StandardOffset(wall)) <= Cutoff,
        _ => bound.CompareTo(CutoffValue) <= 0,
    };

    private TimeSpan StandardOffset(DateTime wall)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(Zone ?? "UTC");
        return zone.IsAmbiguousTime(wall) ? zone.GetAmbiguousTimeOffsets(wall).Min() : zone.GetUtcOffset(wall);
    }

    /// <summary>The row and every row that a delete of it removes through ON DELETE CASCADE, at any depth.</summary>
    private HashSet<long> Cascade(Dictionary<long, MRow> live, MRow root)
    {
        var doomed = new HashSet<long> { root.Rid };
        var queue = new Queue<MRow>([root]);
        while (queue.TryDequeue(out var parent))
        {
            foreach (var key in Keys.Where(k => k.Action == "CASCADE"))
            {
                foreach (var child in live.Values.Where(c => !doomed.Contains(c.Rid) && References(key, c, parent)))
                {
                    doomed.Add(child.Rid);
                    queue.Enqueue(child);
                }
            }
        }

        return doomed;
    }

    /// <summary>Whether deleting the row would fail: NO ACTION from outside its cascade, RESTRICT (or SET NULL on a NOT NULL column) from any other row.</summary>
    private bool Restricted(Dictionary<long, MRow> live, MRow root)
    {
        var doomed = Cascade(live, root);
        foreach (var rid in doomed)
        {
            var parent = live[rid];
            foreach (var key in Keys)
            {
                var blocks = key.Action switch
                {
                    "NO ACTION" => live.Values.Any(c => !doomed.Contains(c.Rid) && References(key, c, parent)),
                    "RESTRICT" => live.Values.Any(c => c.Rid != rid && References(key, c, parent)),
                    "SET NULL" when key.NotNull => live.Values.Any(c => c.Rid != rid && References(key, c, parent)),
                    _ => false,
                };
                if (blocks)
                {
                    return true;
                }
            }
        }

        return false;
    }

    public override string ToString() => Ddl() + Inserts() + string.Join("\n", Holds.Select(h => $"-- hold {h.Table.Name}.{h.Column} = '{h.Text}'")) +
        $"\n-- policy: {Action} on {Root.Name}.ts ({TimestampType}) older than {MaxAge} (cutoff {Cutoff:O}), zone {Zone ?? "(default)"}, inherited {IncludeInherited}, batch {BatchSize}";
}

/// <summary>What the oracle expects.</summary>
/// <param name="Surviving">The rows left.</param>
/// <param name="Nulled">Rows whose referencing columns SET NULL emptied, with those columns.</param>
/// <param name="Anonymized">Rows an Anonymize policy overwrote.</param>
/// <param name="DroppedPartitions">Partitions a DropPartitions policy dropped.</param>
/// <param name="FirstStep">The rows the first batch sweep can act on (what a dry run reports).</param>
/// <param name="Acted">The rows acted on in all.</param>
internal sealed record Expectation(HashSet<long> Surviving, Dictionary<long, HashSet<string>> Nulled, HashSet<long> Anonymized, List<string> DroppedPartitions, long FirstStep, long Acted);

/// <summary>Literals and canonical forms of the generated types.</summary>
internal static class MValues
{
    public static MValue Int(long value) => new(value.ToString(CultureInfo.InvariantCulture), value.ToString(CultureInfo.InvariantCulture), value);

    public static MValue Text(string value) => new($"'{value.Replace("'", "''", StringComparison.Ordinal)}'", value);

    public static MValue Citext(string value) => new($"'{value}'", value.ToLowerInvariant());

    public static MValue Uuid(Guid value) => new($"'{value:D}'", value.ToString("D"));

    public static MValue Numeric(decimal value) => new(value.ToString(CultureInfo.InvariantCulture), (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture));

    public static MValue Instant(DateTimeOffset value) => new($"'{value.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00'", value.UtcTicks.ToString(CultureInfo.InvariantCulture), value);

    public static MValue Wall(DateTime value) => new($"'{value:yyyy-MM-dd HH:mm:ss}'", value.Ticks.ToString(CultureInfo.InvariantCulture), DateTime.SpecifyKind(value, DateTimeKind.Unspecified));

    public static MValue Day(DateOnly value) => new($"'{value:yyyy-MM-dd}'", value.DayNumber.ToString(CultureInfo.InvariantCulture), value);
}
