namespace DataGuard.Backup;

/// <summary>
/// A backup folder whose manifest exists but cannot be read or trusted: corrupt, cut short, written by a newer
/// DataGuard, or failing authentication. Its data may well be intact, so it is quarantined: listed, reported, and
/// never deleted by retention, until an operator decides (<c>dataguard backup forget ID --confirm</c>).
/// </summary>
/// <param name="Id">The backup id (the folder's name).</param>
/// <param name="Keys">The storage keys in the folder, manifest included.</param>
/// <param name="Size">Their total size.</param>
/// <param name="LastModified">When the newest of them was written.</param>
/// <param name="Reason">Why the manifest cannot be used, for a person.</param>
public sealed record UnreadableBackup(string Id, IReadOnlyList<string> Keys, long Size, DateTimeOffset LastModified, string Reason)
{
    /// <summary>Gets the backup kind read from the id (<c>logical</c>, <c>physical</c>), or <see langword="null"/> when the id does not say.</summary>
    public string? KindFromId => Id.Split('-') is [_, var kind, _] ? kind : null;
}
