using System.Globalization;
using System.Text;

namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>
/// A random schema around one subject table (seeded, reproducible): tables that are plain, range-partitioned, range
/// then list sub-partitioned, or inheritance trees (with grandchildren); their reference to the subject is a foreign
/// key on the parent, on some or all leaves, or on none (then a probable link named <c>owner_id</c>); some tables
/// reference an earlier plain table instead of the subject. Knows, independently of DataGuard, which rows each
/// subject owns (<see cref="Oracle"/>).
/// </summary>
internal sealed class GeneratedSchema
{
    private readonly List<Table> _tables = [];

    public GeneratedSchema(int seed)
    {
        var random = new Random(seed);
        KeyType = new[] { "integer", "bigint", "text", "uuid" }[random.Next(4)];
        SubjectSchema = random.Next(2) == 0 ? "public" : "auth";
        Keys = Enumerable.Range(1, 5).Select(i => KeyType switch
        {
            "integer" => i.ToString(CultureInfo.InvariantCulture),
            "bigint" => (9007199254740990L + i).ToString(CultureInfo.InvariantCulture),
            "text" => new[] { "o'neil", "zoë", "a b", "ID-4", "日本" }[i - 1],
            _ => new Guid(seed, (short)i, 0, [0x80, 0, 0, 0, 0, 0, 0, (byte)i]).ToString(),
        }).ToList();
        var count = random.Next(3, 7);
        for (var i = 0; i < count; i++)
        {
            var shape = (Shape)random.Next(4);
            var placement = (Placement)random.Next(shape == Shape.Plain ? 2 : 4);
            var plainEarlier = _tables.Where(t => t is { Shape: Shape.Plain, Placement: Placement.Parent, Via: null }).ToList();
            var via = placement != Placement.None && plainEarlier.Count > 0 && random.Next(3) == 0 ? plainEarlier[random.Next(plainEarlier.Count)] : null;
            _tables.Add(new Table($"t{i}", shape, placement, via, random.Next(2) == 0 ? 2 : 3));
        }

        Sql = Build(random);
    }

    private enum Shape { Plain, Range, SubPartitioned, Inheritance }

    private enum Placement { Parent, None, SomeLeaves, AllLeaves }

    public string KeyType { get; }

    public string SubjectSchema { get; }

    public IReadOnlyList<string> Keys { get; }

    public string Sql { get; }

    public string SubjectTable => $"{SubjectSchema}.subjects";

    /// <summary>The probable links DataGuard must report: every table whose reference has no foreign key.</summary>
    public IEnumerable<string> ProbableLinks => _tables.Where(t => t.Placement == Placement.None).Select(t => $"public.{t.Name}.owner_id");

    /// <summary>For each table the export must hold for <paramref name="key"/>, the query of the ids it must hold.</summary>
    public IEnumerable<(string Table, string Sql)> Oracle(string key)
    {
        foreach (var table in _tables.Where(t => t.Placement != Placement.None))
        {
            foreach (var (name, only) in Reads(table))
            {
                yield return ($"public.{name}", $"SELECT id FROM {(only ? "ONLY " : string.Empty)}public.{name} WHERE {Owns(table, key)}");
            }
        }
    }

    /// <summary>The tables that must not be in the export at all.</summary>
    public IEnumerable<string> Absent => _tables.Where(t => t.Placement == Placement.None).Select(t => $"public.{t.Name}")
        .Concat(_tables.Where(t => t.Shape is Shape.Range or Shape.SubPartitioned).SelectMany(t => Members(t).Select(m => $"public.{m}")));

    private static IEnumerable<(string Name, bool Only)> Reads(Table table) =>
        table.Shape == Shape.Inheritance ? Members(table).Prepend(table.Name).Select(n => (n, true)) : [(table.Name, false)];

    private static IEnumerable<string> Members(Table table) => table.Shape switch
    {
        Shape.Range => Enumerable.Range(0, table.Width).Select(p => $"{table.Name}_p{p}"),
        Shape.SubPartitioned => Enumerable.Range(0, table.Width).SelectMany(p => new[] { $"{table.Name}_p{p}", $"{table.Name}_p{p}_a", $"{table.Name}_p{p}_b" }),
        Shape.Inheritance => Enumerable.Range(0, table.Width).Select(c => $"{table.Name}_c{c}").Append($"{table.Name}_c0_g"),
        _ => [],
    };

    private static IEnumerable<string> Leaves(Table table) => table.Shape switch
    {
        Shape.SubPartitioned => Members(table).Where(m => m.EndsWith("_a", StringComparison.Ordinal) || m.EndsWith("_b", StringComparison.Ordinal)),
        _ => Members(table),
    };

    private string Literal(string key) => $"'{key.Replace("'", "''", StringComparison.Ordinal)}'::{KeyType}";

    private string Owns(Table table, string key) => table.Via is { } via
        ? $"pref IN (SELECT id FROM public.{via.Name} WHERE {Owns(via, key)})"
        : $"sref = {Literal(key)}";

    private string Build(Random random)
    {
        var sql = new StringBuilder();
        if (SubjectSchema != "public")
        {
            sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE SCHEMA {SubjectSchema};");
        }

        sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE {SubjectTable} (k {KeyType} PRIMARY KEY, label text);");
        foreach (var key in Keys)
        {
            sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO {SubjectTable} VALUES ({Literal(key)}, 'subject');");
        }

        var nextId = 1;
        foreach (var table in _tables)
        {
            var column = table.Placement == Placement.None ? "owner_id" : table.Via is null ? "sref" : "pref";
            var type = table.Via is null ? KeyType : "integer";
            var target = table.Via is null ? $"{SubjectTable}(k)" : $"public.{table.Via.Name}(id)";
            var references = $"FOREIGN KEY ({column}) REFERENCES {target}";
            var parentKey = table.Placement == Placement.Parent && table.Shape != Shape.Inheritance ? $", {references}" : string.Empty;
            var keyColumn = table.Shape == Shape.Plain ? "id integer PRIMARY KEY" : "id integer NOT NULL";
            var columns = $"{keyColumn}, {column} {type}, at date NOT NULL, region text NOT NULL, note text{parentKey}";
            switch (table.Shape)
            {
                case Shape.Plain:
                    sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name} ({columns});");
                    break;
                case Shape.Range:
                case Shape.SubPartitioned:
                    sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name} ({columns}) PARTITION BY RANGE (at);");
                    for (var p = 0; p < table.Width; p++)
                    {
                        var bounds = p == table.Width - 1 ? $"FROM ('{2020 + p}-01-01') TO (MAXVALUE)" : $"FROM ('{2020 + p}-01-01') TO ('{2021 + p}-01-01')";
                        var first = p == 0 ? $"FROM (MINVALUE) TO ('2021-01-01')" : bounds;
                        var sub = table.Shape == Shape.SubPartitioned ? " PARTITION BY LIST (region)" : string.Empty;
                        sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name}_p{p} PARTITION OF public.{table.Name} FOR VALUES {(p == 0 ? first : bounds)}{sub};");
                        if (table.Shape == Shape.SubPartitioned)
                        {
                            sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name}_p{p}_a PARTITION OF public.{table.Name}_p{p} FOR VALUES IN ('a');");
                            sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name}_p{p}_b PARTITION OF public.{table.Name}_p{p} FOR VALUES IN ('b');");
                        }
                    }

                    break;
                case Shape.Inheritance:
                    sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name} ({columns});");
                    if (table.Placement == Placement.Parent)
                    {
                        sql.AppendLine(CultureInfo.InvariantCulture, $"ALTER TABLE ONLY public.{table.Name} ADD {references};");
                    }

                    for (var c = 0; c < table.Width; c++)
                    {
                        sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name}_c{c} (extra_{c} text) INHERITS (public.{table.Name});");
                    }

                    sql.AppendLine(CultureInfo.InvariantCulture, $"CREATE TABLE public.{table.Name}_c0_g (deep text) INHERITS (public.{table.Name}_c0);");
                    break;
            }

            if (table.Placement is Placement.SomeLeaves or Placement.AllLeaves)
            {
                var leaves = Leaves(table).ToList();
                var chosen = table.Placement == Placement.AllLeaves ? leaves : leaves.Where((_, i) => i == 0 || random.Next(2) == 0).Take(Math.Max(1, leaves.Count - 1)).ToList();
                foreach (var leaf in chosen)
                {
                    sql.AppendLine(CultureInfo.InvariantCulture, $"ALTER TABLE ONLY public.{leaf} ADD {references};");
                }
            }

            // Rows in every table of the tree (inheritance) or across all partitions; references to every subject, some NULL.
            var targets = table.Shape == Shape.Inheritance ? Members(table).Prepend(table.Name).ToList() : [table.Name];
            var viaIds = table.Via is null ? null : Enumerable.Range(table.Via.FirstId, table.Via.Rows).ToList();
            var rows = random.Next(15, 40);
            table.FirstId = nextId;
            table.Rows = rows;
            for (var r = 0; r < rows; r++)
            {
                var value = random.Next(8) == 0 ? "NULL" : viaIds is null ? Literal(Keys[random.Next(Keys.Count)]) : viaIds[random.Next(viaIds.Count)].ToString(CultureInfo.InvariantCulture);
                var at = new DateOnly(2020, 1, 1).AddDays(random.Next(4 * 365)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                var into = targets[random.Next(targets.Count)];
                sql.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO public.{into} (id, {column}, at, region, note) VALUES ({nextId++}, {value}, '{at}', '{(random.Next(2) == 0 ? "a" : "b")}', 'row');");
            }
        }

        return sql.ToString();
    }

    private sealed record Table(string Name, Shape Shape, Placement Placement, Table? Via, int Width)
    {
        public int FirstId { get; set; }

        public int Rows { get; set; }
    }
}
