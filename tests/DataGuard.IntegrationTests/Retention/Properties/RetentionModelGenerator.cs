using System.Globalization;
using DataGuard.Retention;

namespace DataGuard.IntegrationTests.Retention.Properties;

/// <summary>
/// Generates <see cref="RetentionModel"/>s from a seed: the policy's table plain, with inheritance children (and a
/// grandchild), or range-partitioned on its timestamp (a partition sub-partitioned by list, a MAXVALUE or DEFAULT
/// partition); keys of int, bigint, text, uuid, numeric or citext, sometimes composite; up to five tables referencing
/// it or each other with CASCADE, SET NULL, NO ACTION or RESTRICT, some hash-partitioned, some keys declared on one
/// partition only, some self-referencing; timestamps of timestamptz, timestamp or date around the cutoff, exact
/// boundaries included; holds on rows anywhere, written in another textual form of the same value.
/// </summary>
internal sealed class RetentionModelGenerator(int seed)
{
    private static readonly string[] Zones = ["UTC", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Asia/Tokyo", "America/St_Johns", "Europe/Paris", "Australia/Sydney"];
    private static readonly string[] KeyTypes = ["integer", "bigint", "text", "uuid", "numeric", "citext"];
    private readonly Random _random = new(seed);
    private long _rid = 1000;
    private int _key = 1;
    private IComparable? _lowest;
    private string _keyType = "integer";

    /// <summary>The clock of a case: now, or (one case in three) a moment whose cutoff falls within two hours of a daylight-saving change of <paramref name="zone"/>.</summary>
    public DateTimeOffset Clock(DateTimeOffset now, string? zone, TimeSpan maxAge)
    {
        if (zone is null || _random.Next(3) != 0)
        {
            return now;
        }

        var info = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var changes = new List<DateTimeOffset>();
        for (var at = now.AddDays(-400); at < now; at = at.AddHours(1))
        {
            if (info.GetUtcOffset(at) != info.GetUtcOffset(at.AddHours(1)))
            {
                changes.Add(at.AddHours(1));
            }
        }

        if (changes.Count == 0)
        {
            return now;
        }

        var cutoff = changes[_random.Next(changes.Count)].AddSeconds(_random.Next(-7200, 7200));
        return cutoff + maxAge;
    }

    public RetentionModel Generate(string schema, DateTimeOffset now)
    {
        var tsType = Pick("timestamptz", "timestamp", "date");
        var maxAge = TimeSpan.FromHours(_random.Next(1, 24 * 400));
        var zone = _random.Next(3) == 0 ? null : Pick(Zones);
        now = Clock(now, zone, maxAge);
        var shape = Pick("plain", "inheritance", "partitioned");
        var action = shape == "partitioned" && _random.Next(3) == 0
            ? RetentionAction.DropPartitions
            : Pick(RetentionAction.Delete, RetentionAction.Delete, RetentionAction.ArchiveThenDelete, RetentionAction.Anonymize);
        var keyType = Pick(KeyTypes);
        var composite = _random.Next(4) == 0;
        var root = new MTable(_random.Next(4) == 0 ? "Tä \"b.le" : "t") { PartitionBy = shape == "partitioned" ? "RANGE (ts)" : null };
        var model = new RetentionModel
        {
            Schema = schema,
            Root = root,
            TimestampType = tsType,
            Cutoff = now - maxAge,
            Zone = zone,
            Action = action,
            IncludeInherited = shape != "inheritance" || _random.Next(5) != 0,
            BatchSize = Pick(1, 2, 3, 7, 50),
            MaxAge = maxAge,
        };
        var keyColumns = composite ? new[] { "k1", "k2" } : ["k1"];
        root.Columns.AddRange([new("rid", "bigint", true), new("k1", keyType, true)]);
        if (composite)
        {
            root.Columns.Add(new("k2", "integer", true));
        }

        root.Columns.AddRange([new("ts", tsType, true), new("region", "integer", true), new("payload", "text", false), new("marker", "timestamptz", false)]);
        root.PrimaryKey.AddRange(shape == "partitioned" ? keyColumns.Append("ts").Append("region") : keyColumns);
        model.Tables.Add(root);
        var rowTables = new List<MTable>();
        switch (shape)
        {
            case "inheritance":
                rowTables.Add(root);
                for (var i = 0; i < _random.Next(1, 3); i++)
                {
                    var child = new MTable($"t_c{i}") { InheritsFrom = root };
                    if (_random.Next(2) == 0)
                    {
                        child.Columns.Add(new("extra", "text", false));
                    }

                    child.PrimaryKey.AddRange(keyColumns);
                    if (i == 0 && _random.Next(3) == 0)
                    {
                        // Multiple inheritance: the child is also read through a second parent, which has rows of its own.
                        var other = new MTable("u");
                        other.Columns.AddRange([new("rid", "bigint", true), new("payload", "text", false), new("note", "text", false)]);
                        model.Tables.Add(other);
                        child = new MTable(child.Name) { InheritsFrom = root, AlsoInheritsFrom = other };
                        child.PrimaryKey.AddRange(keyColumns);
                        for (var r = _random.Next(0, 3); r > 0; r--)
                        {
                            var own = new MRow(++_rid, other);
                            own.Values["rid"] = MValues.Int(own.Rid);
                            own.Values["payload"] = MValues.Text("shared");
                            model.Rows.Add(own);
                        }
                    }

                    model.Tables.Add(child);
                    rowTables.Add(child);
                    if (_random.Next(3) == 0)
                    {
                        var grandchild = new MTable($"t_c{i}_g") { InheritsFrom = child };
                        grandchild.PrimaryKey.AddRange(keyColumns);
                        model.Tables.Add(grandchild);
                        rowTables.Add(grandchild);
                    }
                }

                break;
            case "partitioned":
                AddPartitions(model);
                rowTables.Add(root);
                break;
            default:
                rowTables.Add(root);
                break;
        }

        foreach (var table in rowTables)
        {
            for (var i = _random.Next(2, 9); i > 0; i--)
            {
                model.Rows.Add(RootRow(model, table, keyType, composite));
            }
        }

        AddDependents(model, keyColumns);
        _keyType = keyType;
        return model;
    }

    private void AddPartitions(RetentionModel model)
    {
        var (bounds, literal) = Bounds(model);
        _lowest = bounds[0];
        var subPartitioned = _random.Next(3) == 0 ? _random.Next(bounds.Count - 1) : -1;
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var partition = new MTable($"t_p{i}")
            {
                PartitionOf = model.Root,
                Bound = $"FOR VALUES FROM ({literal(bounds[i])}) TO ({literal(bounds[i + 1])})",
                RangeUpper = bounds[i + 1],
                PartitionBy = i == subPartitioned ? "LIST (region)" : null,
            };
            model.Tables.Add(partition);
            if (i == subPartitioned)
            {
                model.Tables.Add(new MTable($"t_p{i}_r1") { PartitionOf = partition, Bound = "FOR VALUES IN (1)" });
                model.Tables.Add(new MTable($"t_p{i}_r2") { PartitionOf = partition, Bound = "FOR VALUES IN (2)" });
            }
        }

        model.Tables.Add(_random.Next(2) == 0
            ? new MTable("t_rest") { PartitionOf = model.Root, Bound = "DEFAULT" }
            : new MTable("t_rest") { PartitionOf = model.Root, Bound = $"FOR VALUES FROM ({literal(bounds[^1])}) TO (MAXVALUE)" });
    }

    /// <summary>Five range bounds around the cutoff, in the column's domain, and how to write them.</summary>
    private (List<IComparable> Bounds, Func<IComparable, string> Literal) Bounds(RetentionModel model)
    {
        var shift = _random.Next(-2, 1);
        switch (model.CutoffValue)
        {
            case DateTimeOffset instant:
                var anchor = new DateTimeOffset(instant.UtcDateTime.Date.AddHours(instant.UtcDateTime.Hour), TimeSpan.Zero);
                return (Enumerable.Range(shift, 5).Select(i => (IComparable)anchor.AddHours(12 * (i - 2))).ToList(), b => MValues.Instant((DateTimeOffset)b).Sql);
            case DateTime wall:
                var start = wall.Date.AddHours(wall.Hour);
                return (Enumerable.Range(shift, 5).Select(i => (IComparable)start.AddHours(12 * (i - 2))).ToList(), b => MValues.Wall((DateTime)b).Sql);
            default:
                var day = (DateOnly)model.CutoffValue;
                return (Enumerable.Range(shift, 5).Select(i => (IComparable)day.AddDays(i - 2)).ToList(), b => MValues.Day((DateOnly)b).Sql);
        }
    }

    private MRow RootRow(RetentionModel model, MTable table, string keyType, bool composite)
    {
        var row = new MRow(++_rid, table);
        row.Values["rid"] = MValues.Int(row.Rid);
        row.Values["k1"] = Key(keyType);
        if (composite)
        {
            row.Values["k2"] = MValues.Int(_random.Next(1, 4));
        }

        row.Values["ts"] = Timestamp(model);
        if (_lowest is not null && row.Values["ts"].Ordered!.CompareTo(_lowest) < 0)
        {
            row.Values["ts"] = _lowest switch
            {
                DateTimeOffset instant => MValues.Instant(instant),
                DateTime wall => MValues.Wall(wall),
                _ => MValues.Day((DateOnly)_lowest),
            };
        }

        row.Values["region"] = MValues.Int(_random.Next(1, 3));
        row.Values["payload"] = _random.Next(5) == 0 ? MValues.Text("shared") : MValues.Text($"p{row.Rid}");
        if (table.Columns.Any(c => c.Name == "extra"))
        {
            row.Values["extra"] = MValues.Text("x");
        }

        return row;
    }

    private MValue Key(string type)
    {
        var n = _key++;
        return type switch
        {
            "integer" => MValues.Int(n * 7),
            "bigint" => MValues.Int(5_000_000_000L + n),
            "text" => MValues.Text($"key-{n}"),
            "uuid" => MValues.Uuid(RandomGuid()),
            "numeric" => MValues.Numeric(n + (_random.Next(4) / 4m)),
            _ => MValues.Citext(_random.Next(2) == 0 ? $"Key-{n}" : $"kEY-{n}"),
        };
    }

    private MValue Timestamp(RetentionModel model)
    {
        var cutoff = model.CutoffValue;
        var seconds = _random.Next(8) switch
        {
            0 => 0,
            1 => -1,
            2 => 1,
            _ => _random.Next(-72 * 3600, 60 * 3600),
        };
        return cutoff switch
        {
            DateTimeOffset instant => MValues.Instant(instant.AddSeconds(seconds)),
            DateTime wall => MValues.Wall(wall.AddSeconds(seconds)),
            _ => MValues.Day(((DateOnly)cutoff).AddDays((int)Math.Round(seconds / 86400.0))),
        };
    }

    private void AddDependents(RetentionModel model, string[] keyColumns)
    {
        // Referenceable: the policy's table (its primary key), its inheritance children, and each new dependent (rid).
        var targets = new List<(MTable Table, string[] Columns)> { (model.Root, model.Root.PrimaryKey.ToArray()) };
        targets.AddRange(model.Tables.Where(t => t.InheritsFrom is not null).Select(t => (t, keyColumns)));
        for (var d = 0; d < _random.Next(0, 6); d++)
        {
            var (parent, parentColumns) = targets[_random.Next(targets.Count)];
            var partitioned = _random.Next(3) == 0;
            var table = new MTable($"d{d}") { PartitionBy = partitioned ? "HASH (rid)" : null };
            table.Columns.Add(new("rid", "bigint", true));
            var notNull = _random.Next(3) == 0;
            var fkColumns = parentColumns.Select(c => $"fk_{c}").ToArray();
            foreach (var (column, i) in parentColumns.Select((c, i) => (c, i)))
            {
                table.Columns.Add(new(fkColumns[i], Column(model, parent, column).Sql, notNull));
            }

            table.Columns.Add(new("payload", "text", false));
            var self = _random.Next(4) == 0;
            if (self)
            {
                table.Columns.Add(new("up", "bigint", false));
            }

            table.PrimaryKey.Add("rid");
            model.Tables.Add(table);
            var declaredOn = table;
            if (partitioned)
            {
                var p0 = new MTable($"d{d}_h0") { PartitionOf = table, Bound = "FOR VALUES WITH (MODULUS 2, REMAINDER 0)" };
                model.Tables.Add(p0);
                model.Tables.Add(new MTable($"d{d}_h1") { PartitionOf = table, Bound = "FOR VALUES WITH (MODULUS 2, REMAINDER 1)" });
                if (_random.Next(3) == 0)
                {
                    declaredOn = p0;   // a key on one partition only: rows of the other partition reference nothing
                }
            }

            model.Keys.Add(new MForeignKey($"{table.Name}_fk", declaredOn, fkColumns, parent, parentColumns, Action(), notNull));
            if (self)
            {
                model.Keys.Add(new MForeignKey($"{table.Name}_up", table, ["up"], table, ["rid"], Action(), false));
            }

            var parents = model.Rows.Where(r => parent.IsPartitioned ? r.Table.IsSelfOrDescendantOf(parent) : r.Table == parent).ToList();
            var own = new List<MRow>();
            for (var i = _random.Next(0, 10); i > 0; i--)
            {
                var row = new MRow(++_rid, table);
                row.Values["rid"] = MValues.Int(row.Rid);
                var target = parents.Count == 0 || (!notNull && _random.Next(6) == 0) ? null : parents[_random.Next(parents.Count)];
                if (target is null && notNull)
                {
                    continue;
                }

                foreach (var (column, j) in parentColumns.Select((c, j) => (c, j)))
                {
                    row.Values[fkColumns[j]] = target?[column] ?? MValue.Null;
                }

                row.Values["payload"] = _random.Next(5) == 0 ? MValues.Text("shared") : MValues.Text($"p{row.Rid}");
                if (self && own.Count > 0 && _random.Next(2) == 0)
                {
                    row.Values["up"] = MValues.Int(own[_random.Next(own.Count)].Rid);
                }

                own.Add(row);
                model.Rows.Add(row);
            }

            targets.Add((table, ["rid"]));
        }
    }

    private static MColumn Column(RetentionModel model, MTable table, string name) =>
        table.AllColumns.FirstOrDefault(c => c.Name == name) ?? model.Root.AllColumns.First(c => c.Name == name);

    private string Action() => Pick("CASCADE", "CASCADE", "CASCADE", "SET NULL", "SET NULL", "NO ACTION", "NO ACTION", "RESTRICT");

    /// <summary>Adds holds, once the rows' leaves are known: on the row's own leaf, the table it was inserted into, or the policy's table.</summary>
    public void AddHolds(RetentionModel model)
    {
        var keyType = _keyType;
        for (var i = _random.Next(0, 5); i > 0; i--)
        {
            if (model.Rows.Count == 0)
            {
                return;
            }

            var row = model.Rows[_random.Next(model.Rows.Count)];

            var table = _random.Next(4) switch
            {
                0 => row.Leaf,
                1 when row.Table.IsSelfOrDescendantOf(model.Root) => model.Root,
                2 when row.Leaf.AlsoInheritsFrom is { } second => second,
                _ => row.Table,
            };
            var column = table.IsSelfOrDescendantOf(model.Root) ? Pick("rid", "k1", "payload") : Pick("rid", "payload");
            var value = row[column];
            var type = column switch { "rid" => "bigint", "payload" => "text", _ => keyType };
            var text = _random.Next(6) == 0 ? "no-such-value" : Spell(type, value);
            if (text == "no-such-value" && type is "integer" or "bigint" or "numeric" or "uuid")
            {
                text = type == "uuid" ? Guid.Empty.ToString() : "-1";
            }

            var canon = text is "no-such-value" ? text : text == "-1" ? MValues.Int(-1).Canon : text == Guid.Empty.ToString() ? Guid.Empty.ToString("D") : value.Canon;
            model.Holds.Add(new MHold(table, column, text, canon));
        }
    }

    /// <summary>Another textual form of the same value: leading zeros, signs and spaces, upper case, braces, trailing zeros, exponents, another case.</summary>
    private string Spell(string type, MValue value)
    {
        var text = value.Sql.Trim('\'');
        return type switch
        {
            "integer" or "bigint" => Pick($"0{text}", $"+{text}", $" {text} ", text),
            "uuid" => Pick(text.ToUpperInvariant(), $"{{{text}}}", text.Replace("-", string.Empty, StringComparison.Ordinal), text),
            "numeric" => Pick(text.Contains('.', StringComparison.Ordinal) ? $"{text}00" : $"{text}.00", decimal.Parse(text, CultureInfo.InvariantCulture).ToString("E6", CultureInfo.InvariantCulture), text),
            "citext" => new string(text.Select(c => _random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c)).ToArray()),
            _ => text,
        };
    }

    private Guid RandomGuid()
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return new Guid(bytes);
    }

    private T Pick<T>(params T[] values) => values[_random.Next(values.Length)];
}
