namespace DataGuard.Retention;

/// <summary>How an anonymized column is overwritten.</summary>
public enum AnonymizeMethod
{
    /// <summary>Set to NULL.</summary>
    Null,

    /// <summary>Set to a fixed value (<see cref="AnonymizeRule.Value"/>, cast to the column's type).</summary>
    Fixed,

    /// <summary>Replaced by the lowercase hex HMAC-SHA256 of its text under the configured secret (stable pseudonym; text columns only).</summary>
    Hmac,

    /// <summary>Replaced by a SQL function of one argument registered in the database (<see cref="AnonymizeRule.Function"/>, <c>schema.function</c>).</summary>
    Function,
}
