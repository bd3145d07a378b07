namespace DataGuard.Backup;

/// <summary>Where and how to restore.</summary>
public sealed record RestoreRequest
{
    /// <summary>Gets the target database's name, on the configured server. One of this and <see cref="TargetConnectionString"/> is required.</summary>
    public string? TargetDatabase { get; init; }

    /// <summary>Gets a connection string of the target, for a restore to another server.</summary>
    public string? TargetConnectionString { get; init; }

    /// <summary>Gets a value indicating whether to create the target database when it does not exist.</summary>
    public bool Create { get; init; }

    /// <summary>Gets a value indicating whether to drop and recreate objects of the archive that already exist in the target.</summary>
    public bool Clean { get; init; }

    /// <summary>
    /// Gets a value indicating whether to leave the archive's subscriptions out (<c>pg_restore --no-subscriptions</c>):
    /// for copies such as drills, which must not point at production's publishers.
    /// </summary>
    public bool SkipSubscriptions { get; init; }

    /// <summary>Gets a value indicating whether to skip the checksum read before the restore (default: verify first).</summary>
    public bool SkipChecksumVerification { get; init; }

    /// <summary>Gets a description of the target for messages, free of secrets.</summary>
    /// <returns>The description.</returns>
    public string DescribeTarget() => TargetDatabase ?? "(the database of the given connection string)";
}
