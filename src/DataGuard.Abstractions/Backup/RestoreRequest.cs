using System.Text;

namespace DataGuard.Backup;

/// <summary>Where and how to restore.</summary>
public sealed record RestoreRequest
{
    /// <summary>
    /// Gets the target database's name, on the configured server. One of this and <see cref="TargetConnectionString"/>
    /// is required. Only a plain name: a value that looks like a connection string (<c>key=value</c>,
    /// <c>postgresql://...</c>) is refused.
    /// </summary>
    public string? TargetDatabase { get; init; }

    /// <summary>Gets a connection string of the target, for a restore to another server. Never printed: <see cref="ToString"/> leaves it out.</summary>
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

    /// <summary>
    /// Gets a value indicating whether <see cref="Clean"/> may replace the objects of the configured production database
    /// (<c>DataGuard:Postgres:ConnectionString</c>): without it, such a restore is refused before anything is touched.
    /// </summary>
    public bool ConfirmProduction { get; init; }

    /// <summary>
    /// Gets a value indicating whether to keep a database this restore created when the restore fails (for
    /// inspection); by default it is dropped, so a failed restore leaves no database behind.
    /// </summary>
    public bool KeepFailedTarget { get; init; }

    /// <summary>Gets a value indicating whether to skip the checksum read before the restore (default: verify first).</summary>
    public bool SkipChecksumVerification { get; init; }

    /// <summary>Gets a description of the target for messages, free of secrets.</summary>
    /// <returns>The description.</returns>
    public string DescribeTarget() => TargetDatabase ?? "(the database of the given connection string)";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("TargetDatabase = ").Append(TargetDatabase)
            .Append(", TargetConnectionString = ").Append(TargetConnectionString is null ? string.Empty : "(set, not shown)")
            .Append(", Create = ").Append(Create)
            .Append(", Clean = ").Append(Clean)
            .Append(", ConfirmProduction = ").Append(ConfirmProduction)
            .Append(", KeepFailedTarget = ").Append(KeepFailedTarget)
            .Append(", SkipChecksumVerification = ").Append(SkipChecksumVerification);
        return true;
    }
}
