namespace DataGuard.Postgres.Export;

/// <summary>Which columns never leave in an export (<c>DataGuard:Export:Redaction</c>).</summary>
public sealed class RedactionOptions
{
    /// <summary>Gets or sets the mode. Default: <see cref="RedactionMode.Denylist"/>.</summary>
    public RedactionMode Mode { get; set; } = RedactionMode.Denylist;

    /// <summary>Gets the columns dropped in denylist mode, as <c>schema.table.column</c> or a bare column name (any table).</summary>
    public List<string> Deny { get; init; } = [];

    /// <summary>Gets or sets a value indicating whether denylist mode also drops columns named like secrets (password, secret, token, hash, salt, key, ...). Default: true.</summary>
    public bool DenySensitiveNames { get; set; } = true;

    /// <summary>Gets the only columns that leave in allowlist mode, as <c>schema.table.column</c> or <c>schema.table.*</c>.</summary>
    public List<string> Allow { get; init; } = [];
}
