namespace DataGuard.Postgres.Export;

/// <summary>The subject of exports: a table and its key column (<c>DataGuard:Export:Subject</c>).</summary>
public sealed class ExportSubjectOptions
{
    /// <summary>Gets or sets the table, <c>schema.table</c> (e.g. <c>public.users</c>).</summary>
    public string Table { get; set; } = string.Empty;

    /// <summary>Gets or sets the key column (e.g. <c>id</c>).</summary>
    public string Key { get; set; } = "id";
}
