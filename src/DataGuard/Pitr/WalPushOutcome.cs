namespace DataGuard.Pitr;

/// <summary>The outcome of a WAL push.</summary>
internal enum WalPushOutcome
{
    /// <summary>The file was archived by this push.</summary>
    Archived,

    /// <summary>The same content was already archived under that name: nothing to do.</summary>
    AlreadyArchived,
}
