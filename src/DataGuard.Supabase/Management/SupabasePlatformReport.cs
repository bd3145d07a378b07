namespace DataGuard.Supabase.Management;

/// <summary>What the platform says about a project's own backups and PITR, checked against DataGuard's targets.</summary>
internal sealed record SupabasePlatformReport
{
    public required string ProjectRef { get; init; }

    public string? ProjectStatus { get; init; }

    public string? DatabaseVersion { get; init; }

    public string? Region { get; init; }

    public bool PitrEnabled { get; init; }

    public bool WalgEnabled { get; init; }

    /// <summary>Gets the PITR add-on's variant (<c>pitr_7</c>, <c>pitr_14</c>, <c>pitr_28</c>), or <see langword="null"/> without one.</summary>
    public string? PitrAddon { get; init; }

    /// <summary>Gets the days of PITR the add-on buys, or <see langword="null"/>.</summary>
    public int? PitrDays { get; init; }

    public int CompletedBackups { get; init; }

    public DateTimeOffset? LatestCompletedBackup { get; init; }

    public TimeSpan? LatestBackupAge { get; init; }

    public DateTimeOffset? EarliestRecoveryPoint { get; init; }

    public DateTimeOffset? LatestRecoveryPoint { get; init; }

    /// <summary>Gets what is wrong, worst first; empty when the project meets the targets.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Gets what falls short of DataGuard's targets without being an outage (no PITR, a short window).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    public bool Healthy => Problems.Count == 0;
}
