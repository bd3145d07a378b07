using System.Globalization;

namespace DataGuard.Migrations;

/// <summary>
/// <c>migrate check</c>: what a migrations directory will do before anything runs, file by file: unpaired and
/// duplicate versions, ignored files, downs that are empty where the up creates objects, statements that will run
/// outside a transaction, files that mix such statements with others (and so cannot be atomic), and a <c>BEGIN</c>
/// without its <c>COMMIT</c>.
/// </summary>
internal static class MigrationLint
{
    /// <summary>Checks named files (a directory's, or embedded ones).</summary>
    /// <param name="files">File names and their text.</param>
    /// <returns>The findings, errors first, then by file.</returns>
    public static IReadOnlyList<MigrationLintFinding> Check(IEnumerable<(string Name, string Text)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var findings = new List<MigrationLintFinding>();
        var ups = new Dictionary<long, List<string>>();
        var downs = new Dictionary<long, List<string>>();
        var scripts = new List<(long Version, bool IsUp, string File, string Text, int LineOffset)>();
        foreach (var (name, text) in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var pair = MigrationDirectory.PairPattern().Match(name);
            var single = MigrationDirectory.SinglePattern().Match(name);
            if (pair.Success && long.TryParse(pair.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                var isUp = pair.Groups[3].Value == "up";
                Add(isUp ? ups : downs, version, name);
                scripts.Add((version, isUp, name, text, 0));
            }
            else if (single.Success && MigrationDirectory.IsDbmate(text) && long.TryParse(single.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var dbmate))
            {
                var (up, down) = MigrationDirectory.SplitDbmate(text);
                Add(ups, dbmate, name);
                scripts.Add((dbmate, true, name, up.Text, up.LineOffset));
                if (down is { } d)
                {
                    Add(downs, dbmate, name);
                    scripts.Add((dbmate, false, name, d.Text, d.LineOffset));
                }
            }
            else
            {
                findings.Add(new("note", name, null, "ignored: not {version}_{title}.up.sql / .down.sql, nor a dbmate file with -- migrate:up"));
            }
        }

        foreach (var (version, names) in ups.Where(u => u.Value.Count > 1))
        {
            findings.Add(new("error", names[1], null, $"version {version} has {names.Count} up scripts ({string.Join(", ", names)}); each version has one"));
        }

        foreach (var (version, names) in downs)
        {
            if (!ups.ContainsKey(version))
            {
                findings.Add(new("error", names[0], null, $"a down script for version {version}, which has no up script"));
            }
            else if (names.Count > 1)
            {
                findings.Add(new("error", names[1], null, $"version {version} has {names.Count} down scripts ({string.Join(", ", names)})"));
            }
        }

        foreach (var (version, names) in ups.Where(u => !downs.ContainsKey(u.Key)))
        {
            findings.Add(new("warning", names[0], null, $"version {version} has no down script: it cannot be rolled back (mark it -- dataguard:irreversible if that is intended)"));
        }

        foreach (var script in scripts)
        {
            CheckScript(script.File, script.Text, script.LineOffset, script.IsUp ? "up" : "down", findings);
            if (script.IsUp && SqlLexer.Split(script.Text).Any(s => s.CreatesObject)
                && scripts.FirstOrDefault(d => !d.IsUp && d.Version == script.Version) is { File: not null } down && SqlLexer.IsEmpty(down.Text))
            {
                findings.Add(new("warning", down.File, null, $"the down script of version {script.Version} is empty, but its up creates objects: rolling back leaves them in place"));
            }
        }

        return [.. findings.OrderBy(f => f.Severity switch { "error" => 0, "warning" => 1, _ => 2 }).ThenBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line)];
    }

    private static void CheckScript(string file, string text, int lineOffset, string direction, List<MigrationLintFinding> findings)
    {
        var statements = SqlLexer.Split(text);
        int Line(SqlStatement s) => SqlLexer.LineAndColumn(text, s.Offset).Line + lineOffset;
        var outside = statements.Where(s => s.CannotRunInTransaction).ToList();
        var begins = statements.Where(s => s.BeginsTransaction).ToList();
        foreach (var statement in outside)
        {
            findings.Add(new("note", file, Line(statement), $"{direction}: {Lead(statement)} cannot run in a transaction block: this script runs outside any transaction, statement by statement"));
        }

        if (outside.Count > 0 && statements.Count > 1)
        {
            findings.Add(new("warning", file, Line(statements[0]), $"{direction}: {statements.Count} statements, {outside.Count} of which must run outside a transaction: they run one by one and cannot be atomic; a failure midway leaves the statements before it applied and the version dirty"));
        }

        var open = false;
        SqlStatement? opener = null;
        foreach (var statement in statements)
        {
            if (statement.BeginsTransaction)
            {
                open = true;
                opener = statement;
            }
            else if (statement.EndsTransaction)
            {
                open = false;
            }
            else if (open && statement.CannotRunInTransaction)
            {
                findings.Add(new("error", file, Line(statement), $"{direction}: {Lead(statement)} is inside the script's own BEGIN (line {Line(opener!)}): PostgreSQL refuses it in a transaction block"));
            }
        }

        if (open)
        {
            findings.Add(new("error", file, Line(opener!), $"{direction}: BEGIN without COMMIT: the script's transaction is never committed (its changes would be rolled back at the end of the session)"));
        }
        else if (begins.Count > 0)
        {
            findings.Add(new("note", file, Line(begins[0]), $"{direction}: has its own BEGIN/COMMIT: it runs as written, outside DataGuard's transaction, with an intent row that marks it dirty if it does not finish"));
        }
    }

    private static string Lead(SqlStatement statement)
    {
        var line = statement.Text.Split('\n')[0].Trim().TrimEnd(';');
        return line.Length <= 60 ? line : line[..57] + "...";
    }

    private static void Add(Dictionary<long, List<string>> map, long version, string name)
    {
        if (!map.TryGetValue(version, out var names))
        {
            map[version] = names = [];
        }

        names.Add(name);
    }
}
