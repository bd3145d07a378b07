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
}
