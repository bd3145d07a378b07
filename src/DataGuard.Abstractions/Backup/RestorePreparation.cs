namespace DataGuard.Backup;

/// <summary>What preparing a restore target found or did.</summary>
/// <param name="Target">The target, described without secrets (for example <c>postgres@db:5432/app_restored</c>).</param>
/// <param name="Created">Whether the preparation created the target (so a failed restore may drop it again).</param>
public sealed record RestorePreparation(string Target, bool Created);
