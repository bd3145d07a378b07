namespace DataGuard.Retention;

/// <summary>
/// An extra condition on the rows a policy affects, given as data: the column is checked against the catalog and
/// quoted, the value is a parameter cast to the column's type. Configuration never supplies SQL.
/// </summary>
public sealed class RetentionCondition
{
    /// <summary>Gets or sets the column.</summary>
    public string Column { get; set; } = string.Empty;

    /// <summary>Gets or sets the comparison.</summary>
    public RetentionOperator Operator { get; set; } = RetentionOperator.Equal;

    /// <summary>Gets or sets the value (its text form, cast to the column's type) for the single-value operators.</summary>
    public string? Value { get; set; }

    /// <summary>Gets the values for <see cref="RetentionOperator.In"/> and <see cref="RetentionOperator.NotIn"/>.</summary>
    public List<string> Values { get; init; } = [];
}
