namespace DataGuard.Retention;

/// <summary>One rule for one kind of data: which rows of a table are expired, and what happens to them.</summary>
public interface IRetentionPolicy
{
    /// <summary>Gets the policy's name, unique.</summary>
    string Name { get; }

    /// <summary>Gets the table, as <c>schema.table</c>.</summary>
    string Table { get; }

    /// <summary>Gets the column whose age decides (date, timestamp or timestamptz).</summary>
    string TimestampColumn { get; }

    /// <summary>Gets how long rows are kept.</summary>
    TimeSpan MaxAge { get; }

    /// <summary>Gets what happens to expired rows.</summary>
    RetentionAction Action { get; }

    /// <summary>Gets extra conditions, all of which an affected row meets (structured, parameterized).</summary>
    IReadOnlyList<RetentionCondition> Conditions { get; }

    /// <summary>Gets the name of a predicate registered in code (trusted SQL), or <see langword="null"/>.</summary>
    string? Predicate { get; }

    /// <summary>Gets the columns an <see cref="RetentionAction.Anonymize"/> policy overwrites.</summary>
    IReadOnlyList<AnonymizeRule> Anonymize { get; }

    /// <summary>
    /// Gets the column (timestamptz, timestamp or boolean, nullable) an <see cref="RetentionAction.Anonymize"/> policy
    /// sets on the rows it has processed, so that they are not processed again; required for HMAC and function rules.
    /// </summary>
    string? MarkerColumn { get; }

    /// <summary>Gets a value indicating whether <see cref="RetentionAction.DropPartitions"/> archives a partition's rows before dropping it.</summary>
    bool ArchivePartitions { get; }
}
