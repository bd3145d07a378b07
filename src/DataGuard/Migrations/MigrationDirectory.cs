using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace DataGuard.Migrations;

/// <summary>
/// Reads migrations from a directory: golang-migrate pairs (<c>{version}_{title}.up.sql</c> / <c>.down.sql</c>, paired
/// by version, titles may differ) and dbmate single files (<c>{version}_{title}.sql</c> with <c>-- migrate:up</c> and
/// <c>-- migrate:down</c> sections). Directives: <c>-- dataguard:no-transaction</c> and <c>-- dataguard:irreversible</c>.
/// </summary>
internal static partial class MigrationDirectory
{
    /// <summary>Reads a directory (not recursive).</summary>
    /// <param name="path">The directory.</param>
    /// <returns>The migrations and the ignored files.</returns>
    /// <exception cref="MigrationSourceException">Two ups for one version, a down without an up, or a bad version.</exception>
    public static MigrationSet Read(string path)
    {
        if (!Directory.Exists(path))
        {
            throw new MigrationSourceException($"The migrations directory '{path}' does not exist (DataGuard:Migrations:Directory).");
        }

        var files = Directory.EnumerateFiles(path).Select(f => (Name: Path.GetFileName(f), Text: File.ReadAllText(f, Encoding.UTF8), Path: f));
        return Parse(files.Select(f => (f.Name, f.Text)));
    }

    /// <summary>Reads migrations embedded in an assembly: every manifest resource whose name starts with <paramref name="prefix"/>.</summary>
    /// <param name="assembly">The assembly.</param>
    /// <param name="prefix">The resource name prefix, such as <c>MyApp.Migrations.</c>; the rest of the name is the file name.</param>
    /// <returns>The migrations and the ignored resources.</returns>
    public static MigrationSet ReadEmbedded(System.Reflection.Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var files = new List<(string, string)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            files.Add((name[prefix.Length..], reader.ReadToEnd()));
        }

        return Parse(files);
    }

    /// <summary>Parses named files (for directories, embedded resources or tests).</summary>
    /// <param name="files">File names and their text.</param>
    /// <returns>The migrations and the ignored files.</returns>
    public static MigrationSet Parse(IEnumerable<(string Name, string Text)> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var ups = new Dictionary<long, (string Title, string Text, string Name, int LineOffset)>();
        var downs = new Dictionary<long, (string Text, string Name, int LineOffset)>();
        var warnings = new List<string>();
        foreach (var (name, text) in files.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var pair = PairPattern().Match(name);
            var single = SinglePattern().Match(name);
            if (pair.Success)
            {
                var version = ParseVersion(pair.Groups[1].Value, name);
                var target = pair.Groups[3].Value;
                if (target == "up")
                {
                    Add(ups, version, (pair.Groups[2].Value, text, name, 0), name);
                }
                else
                {
                    Add(downs, version, (text, name, 0), name);
                }
            }
            else if (single.Success && IsDbmate(text))
            {
                var version = ParseVersion(single.Groups[1].Value, name);
                var (up, down) = SplitDbmate(text);
                Add(ups, version, (single.Groups[2].Value, up.Text, name, up.LineOffset), name);
                if (down is { } section)
                {
                    Add(downs, version, (section.Text, name, section.LineOffset), name);
                }
            }
            else
            {
                warnings.Add($"{name}: ignored (not {{version}}_{{title}}.up.sql / .down.sql, nor a dbmate file with -- migrate:up)");
            }
        }

        foreach (var orphan in downs.Keys.Except(ups.Keys))
        {
            throw new MigrationSourceException($"{downs[orphan].Name}: a down script for version {orphan}, which has no up script.");
        }

        var migrations = ups.OrderBy(u => u.Key).Select(u =>
        {
            var hasDown = downs.TryGetValue(u.Key, out var d);
            var down = hasDown ? d.Text : null;
            return new Migration
            {
                Version = u.Key,
                Title = u.Value.Title,
                Up = u.Value.Text,
                Down = down,
                UpSha256 = Sha256(u.Value.Text),
                DownSha256 = down is null ? null : Sha256(down),
                NoTransaction = HasDirective(u.Value.Text, "no-transaction"),
                Irreversible = HasDirective(u.Value.Text, "irreversible"),
                Source = u.Value.Name,
                DownSource = hasDown ? d.Name : null,
                UpLineOffset = u.Value.LineOffset,
                DownLineOffset = hasDown ? d.LineOffset : 0,
            };
        }).ToList();
        return new MigrationSet(migrations, warnings);
    }

    /// <summary>The SHA-256 of a script's text (UTF-8), lower-case hex.</summary>
    /// <param name="text">The script.</param>
    /// <returns>The hash.</returns>
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text ?? string.Empty)));

    private static bool HasDirective(string text, string directive) =>
        text.Split('\n').Any(line => line.Trim().Equals($"-- dataguard:{directive}", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The up and down sections of a dbmate file, each trimmed and ended by a newline (as earlier releases stored them,
    /// so checksums hold), with <c>-- dataguard:no-transaction</c> in front when its header says <c>transaction:false</c>
    /// (an up's applies to its down too, as before), and the number of file lines before the section's first line.
    /// A <c>-- migrate:down</c> header with nothing under it is an empty (no-op) down, as dbmate runs it.
    /// </summary>
    internal static ((string Text, int LineOffset) Up, (string Text, int LineOffset)? Down) SplitDbmate(string text)
    {
        var upAt = DbmateUpPattern().Match(text) is { Success: true } upHeader ? upHeader.Index : -1;
        var downAt = DbmateDownPattern().Match(text) is { Success: true } downHeader ? downHeader.Index : -1;
        var upNoTransaction = HeaderSaysNoTransaction(text, upAt);
        var up = Section(text, upAt, downAt > upAt ? downAt : text.Length, upNoTransaction);
        if (downAt < 0)
        {
            return (up, null);
        }

        var downEnd = upAt > downAt ? upAt : text.Length;
        return (up, Section(text, downAt, downEnd, upNoTransaction || HeaderSaysNoTransaction(text, downAt)));
    }

    private static bool HeaderSaysNoTransaction(string text, int headerAt)
    {
        var headerEnd = text.IndexOf('\n', headerAt) is var e and >= 0 ? e : text.Length;
        return text[headerAt..headerEnd].Contains("transaction:false", StringComparison.Ordinal);
    }

    private static (string Text, int LineOffset) Section(string text, int headerAt, int end, bool noTransaction)
    {
        var start = text.IndexOf('\n', headerAt) is var e and >= 0 && e < end ? e : end;
        var body = text[start..end];
        var trimmed = body.Trim();
        var first = start + (body.Length - body.TrimStart().Length);
        var lineOffset = text.AsSpan(0, Math.Min(first, text.Length)).Count('\n');
        if (trimmed.Length == 0)
        {
            return (string.Empty, lineOffset);
        }

        return noTransaction ? ("-- dataguard:no-transaction\n" + trimmed + "\n", lineOffset - 1) : (trimmed + "\n", lineOffset);
    }

    private static long ParseVersion(string digits, string name) =>
        long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var version) && version > 0
            ? version
            : throw new MigrationSourceException($"{name}: version '{digits}' is not a positive integer that fits in a bigint.");

    private static void Add<T>(Dictionary<long, T> map, long version, T value, string name)
    {
        if (!map.TryAdd(version, value))
        {
            throw new MigrationSourceException($"{name}: version {version} appears twice; each version has one up and at most one down script.");
        }
    }

    /// <summary>Whether a file is a dbmate migration: it has a <c>-- migrate:up</c> header at the start of a line.</summary>
    internal static bool IsDbmate(string text) => DbmateUpPattern().IsMatch(text);

    // dbmate's own header patterns (pkg/dbmate/migration.go): at the start of a line, any spacing after "--"
    // ("--migrate:up" too), options after the header; a mention later in a line is not a header.
    [GeneratedRegex(@"^--\s*migrate:up(?:[ \t\r]*$|[ \t]+\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex DbmateUpPattern();

    [GeneratedRegex(@"^--\s*migrate:down(?:[ \t\r]*$|[ \t]+\S+)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex DbmateDownPattern();

    [GeneratedRegex(@"^(\d+)_(.+)\.(up|down)\.sql$", RegexOptions.CultureInvariant)]
    internal static partial Regex PairPattern();

    [GeneratedRegex(@"^(\d+)_(.+)\.sql$", RegexOptions.CultureInvariant)]
    internal static partial Regex SinglePattern();
}
