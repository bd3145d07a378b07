using DataGuard.Retention;

namespace DataGuard.Postgres.Retention;

/// <summary>One policy of <c>DataGuard:Retention:Policies</c> (or added in code).</summary>
public sealed class RetentionPolicyOptions : IRetentionPolicy
{
    /// <inheritdoc />
    public string Name { get; set; } = string.Empty;

    /// <inheritdoc />
    public string Table { get; set; } = string.Empty;

    /// <inheritdoc />
    public string TimestampColumn { get; set; } = string.Empty;

    /// <inheritdoc />
    public TimeSpan MaxAge { get; set; }

    /// <inheritdoc />
    public RetentionAction Action { get; set; } = RetentionAction.Delete;

    /// <summary>Gets the extra conditions (all must hold).</summary>
    public List<RetentionCondition> Conditions { get; init; } = [];

    /// <inheritdoc />
    public string? Predicate { get; set; }

    /// <summary>Gets the columns an Anonymize policy overwrites.</summary>
    public List<AnonymizeRule> Anonymize { get; init; } = [];

    /// <inheritdoc />
    public string? MarkerColumn { get; set; }

    /// <inheritdoc />
    public bool ArchivePartitions { get; set; }

    /// <inheritdoc />
    IReadOnlyList<RetentionCondition> IRetentionPolicy.Conditions => Conditions;

    /// <inheritdoc />
    IReadOnlyList<AnonymizeRule> IRetentionPolicy.Anonymize => Anonymize;
}
