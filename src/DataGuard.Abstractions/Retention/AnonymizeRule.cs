namespace DataGuard.Retention;

/// <summary>One column an <see cref="RetentionAction.Anonymize"/> policy overwrites.</summary>
public sealed class AnonymizeRule
{
    /// <summary>Gets or sets the column.</summary>
    public string Column { get; set; } = string.Empty;

    /// <summary>Gets or sets how it is overwritten.</summary>
    public AnonymizeMethod Method { get; set; } = AnonymizeMethod.Null;

    /// <summary>Gets or sets the value for <see cref="AnonymizeMethod.Fixed"/>.</summary>
    public string? Value { get; set; }

    /// <summary>Gets or sets the function for <see cref="AnonymizeMethod.Function"/>, as <c>schema.function</c>; it must exist.</summary>
    public string? Function { get; set; }
}
