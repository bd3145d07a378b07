namespace DataGuard.Supabase.Database;

/// <summary>
/// One line of <c>pg_restore --list</c>: <c>id; tableoid oid DESC namespace tag owner</c>, where DESC may be several
/// words (<c>TABLE DATA</c>, <c>DEFAULT ACL</c>, <c>EVENT TRIGGER</c>) and the namespace is <c>-</c> for objects outside
/// a schema.
/// </summary>
/// <param name="Line">The line as listed.</param>
/// <param name="Desc">The kind of entry.</param>
/// <param name="Namespace">The schema, or <see langword="null"/>.</param>
/// <param name="Tag">The object's name (for ACL and COMMENT: the object's kind and name).</param>
/// <param name="Owner">The owner, or empty.</param>
internal sealed record TocEntry(string Line, string Desc, string? Namespace, string Tag, string Owner)
{
    private static readonly string[] Descs =
    [
        "PUBLICATION TABLES IN SCHEMA", "TEXT SEARCH CONFIGURATION", "TEXT SEARCH DICTIONARY", "TEXT SEARCH TEMPLATE",
        "TEXT SEARCH PARSER", "FOREIGN DATA WRAPPER", "MATERIALIZED VIEW DATA", "MATERIALIZED VIEW", "PROCEDURAL LANGUAGE",
        "SEQUENCE OWNED BY", "PUBLICATION TABLE", "CHECK CONSTRAINT", "OPERATOR FAMILY", "OPERATOR CLASS", "FOREIGN SERVER",
        "FOREIGN TABLE", "ACCESS METHOD", "EVENT TRIGGER", "FK CONSTRAINT", "INDEX ATTACH", "LARGE OBJECT", "ROW SECURITY",
        "SEQUENCE SET", "USER MAPPING", "DEFAULT ACL", "TABLE DATA", "SHELL TYPE", "BLOB DATA", "PUBLICATION", "SUBSCRIPTION",
        "CONSTRAINT", "CONVERSION", "STATISTICS", "AGGREGATE", "COLLATION", "EXTENSION", "PROCEDURE", "TRANSFORM",
        "FUNCTION", "OPERATOR", "SEQUENCE", "TRIGGER", "COMMENT", "DEFAULT", "DATABASE", "SCHEMA", "DOMAIN", "POLICY",
        "SERVER", "INDEX", "TABLE", "BLOBS", "BLOB", "CAST", "RULE", "TYPE", "VIEW", "ACL",
    ];

    /// <summary>Parses a line; <see langword="null"/> for a comment or a line of another shape.</summary>
    /// <param name="line">The line.</param>
    /// <returns>The entry.</returns>
    public static TocEntry? Parse(string line)
    {
        var text = line.TrimEnd('\r');
        var semicolon = text.IndexOf("; ", StringComparison.Ordinal);
        if (text.StartsWith(';') || semicolon < 1)
        {
            return null;
        }

        var parts = text[(semicolon + 2)..].Split(' ', 3);
        if (parts.Length < 3)
        {
            return null;
        }

        var rest = parts[2];
        var desc = Descs.FirstOrDefault(d => rest.StartsWith(d + " ", StringComparison.Ordinal)) ?? rest.Split(' ')[0];
        rest = rest.Length > desc.Length ? rest[(desc.Length + 1)..] : string.Empty;
        var space = rest.IndexOf(' ', StringComparison.Ordinal);
        var ns = space < 0 ? rest : rest[..space];
        rest = space < 0 ? string.Empty : rest[(space + 1)..];
        var last = rest.LastIndexOf(' ');
        var (tag, owner) = last < 0 ? (rest, string.Empty) : (rest[..last], rest[(last + 1)..]);
        return new TocEntry(text, desc, ns == "-" ? null : ns, tag, owner);
    }

    /// <summary>Gets the schema this entry belongs to: its namespace, or for a schema (and its ACL or comment) the schema itself.</summary>
    public string? Schema => Desc switch
    {
        "SCHEMA" => Tag,
        "ACL" or "COMMENT" when Namespace is null && Tag.StartsWith("SCHEMA ", StringComparison.Ordinal) => Tag["SCHEMA ".Length..],
        _ => Namespace,
    };
}
