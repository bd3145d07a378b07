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

    /// <summary>
    /// Gets or sets the IANA time zone name in which a <c>timestamp without time zone</c> or <c>date</c> timestamp column
    /// is read (the zone the application wrote its wall-clock times in). Default: <c>DataGuard:TimeZone</c> (UTC unless
    /// set). Ignored for <c>timestamptz</c>.
    /// </summary>
    public string? TimeZone { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether the rows of tables that inherit from <see cref="Table"/> (<c>INHERITS</c>
    /// children, at any depth) are included, as a query on the table includes them. Default: true. False acts on the
    /// table's own rows only (<c>ONLY</c>); a partitioned table always includes its partitions.
    /// </summary>
    public bool IncludeInheritedTables { get; set; } = true;

    /// <inheritdoc />
    IReadOnlyList<RetentionCondition> IRetentionPolicy.Conditions => Conditions;

    /// <inheritdoc />
    IReadOnlyList<AnonymizeRule> IRetentionPolicy.Anonymize => Anonymize;
}
