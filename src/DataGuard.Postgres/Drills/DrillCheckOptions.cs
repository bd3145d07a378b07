namespace DataGuard.Postgres.Drills;

/// <summary>A check of a restored copy: <see cref="Sql"/> (run read-only on the scratch database) returns one value whose text must equal <see cref="Expected"/>.</summary>
public sealed class DrillCheckOptions
{
    /// <summary>Gets or sets the check's name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the query (the operator's own SQL, run in a read-only transaction on the throwaway copy).</summary>
    public string Sql { get; set; } = string.Empty;

    /// <summary>Gets or sets the expected value, as text (<c>true</c>, <c>42</c>, ...).</summary>
    public string Expected { get; set; } = string.Empty;
}
