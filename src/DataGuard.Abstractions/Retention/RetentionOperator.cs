namespace DataGuard.Retention;

/// <summary>The comparison of a <see cref="RetentionCondition"/>; values are always sent as parameters.</summary>
public enum RetentionOperator
{
    /// <summary><c>column = value</c>.</summary>
    Equal,

    /// <summary><c>column &lt;&gt; value</c>.</summary>
    NotEqual,

    /// <summary><c>column &lt; value</c>.</summary>
    LessThan,

    /// <summary><c>column &lt;= value</c>.</summary>
    LessThanOrEqual,

    /// <summary><c>column &gt; value</c>.</summary>
    GreaterThan,

    /// <summary><c>column &gt;= value</c>.</summary>
    GreaterThanOrEqual,

    /// <summary><c>column = ANY(values)</c>.</summary>
    In,

    /// <summary><c>NOT (column = ANY(values))</c>.</summary>
    NotIn,

    /// <summary><c>column IS NULL</c>.</summary>
    IsNull,

    /// <summary><c>column IS NOT NULL</c>.</summary>
    IsNotNull,
}
