namespace DataGuard.Postgres.Migrations;

/// <summary>What <c>migrate down</c> rolls back: the last N, everything above a version, or one deploy.</summary>
public sealed record DownRequest
{
    /// <summary>Gets how many of the newest applied migrations to roll back.</summary>
    public int? Steps { get; init; }

    /// <summary>Gets the version to roll back to (it stays applied); 0 rolls everything back.</summary>
    public long? ToVersion { get; init; }

    /// <summary>Gets the deploy to roll back (every migration its <c>up</c> applied).</summary>
    public string? Deploy { get; init; }

    /// <summary>Gets which down script wins when the file and the ledger's copy differ: <c>file</c> or <c>ledger</c>; unset refuses.</summary>
    public string? Prefer { get; init; }
}
