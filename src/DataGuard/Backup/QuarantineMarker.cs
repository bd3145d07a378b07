namespace DataGuard.Backup;

/// <summary>
/// The marker prune leaves in a quarantined backup's folder (<c>quarantine.json</c>, <see cref="Storage.StorageLayout.BackupQuarantine"/>).
/// Stored format: the members, their order and their types are those markers were always written with.
/// </summary>
/// <param name="Id">The backup id.</param>
/// <param name="QuarantinedAt">When prune quarantined it.</param>
/// <param name="Reason">Why its manifest cannot be used.</param>
/// <param name="Keys">The storage keys in the folder then.</param>
internal sealed record QuarantineMarker(string Id, DateTimeOffset QuarantinedAt, string Reason, IReadOnlyList<string> Keys);
