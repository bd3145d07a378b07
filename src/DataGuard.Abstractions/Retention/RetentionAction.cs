namespace DataGuard.Retention;

/// <summary>What a retention policy does to expired rows.</summary>
public enum RetentionAction
{
    /// <summary>Delete them (foreign keys' ON DELETE rules apply).</summary>
    Delete,
}
