namespace DataGuard.Retention;

/// <summary>What a retention policy does to expired rows.</summary>
public enum RetentionAction
{
    /// <summary>Delete them (foreign keys' ON DELETE rules apply; cascades are reported).</summary>
    Delete,

    /// <summary>Overwrite the policy's <see cref="IRetentionPolicy.Anonymize"/> columns; the rows stay.</summary>
    Anonymize,

    /// <summary>Write them as compressed NDJSON to storage under <c>archive/&lt;policy&gt;/&lt;date&gt;/</c>, then delete them once the archive object is durable.</summary>
    ArchiveThenDelete,

    /// <summary>Detach and drop the partitions of a range-partitioned table whose upper bound lies at or before the cutoff (optionally archiving them first).</summary>
    DropPartitions,
}
