using DataGuard.Retention;

namespace DataGuard.Postgres.Retention;

/// <summary>One policy of <c>DataGuard:Retention:Policies</c>.</summary>
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
}
