using DataGuard.Migrations;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// One step the planner decided on: the script to run, how it runs, and what the ledger knows of it (the file for an
/// up, the ledger row for a down).
/// </summary>
internal sealed record MigrationStep
{
    /// <summary>Gets the version.</summary>
    public required long Version { get; init; }

    /// <summary>Gets the title.</summary>
    public required string Title { get; init; }

    /// <summary>Gets a value indicating whether this is an up step (else a down step).</summary>
    public required bool IsUp { get; init; }

    /// <summary>Gets the script to run (for a down: the one chosen from the file or the ledger).</summary>
    public required string Script { get; init; }

    /// <summary>Gets how the script runs.</summary>
    public required MigrationTransactionMode Mode { get; init; }

    /// <summary>Gets the migration file, for an up step (its ledger row is written from it).</summary>
    public Migration? Migration { get; init; }

    /// <summary>Gets the ledger row, for a down step.</summary>
    public LedgerEntry? Entry { get; init; }

    /// <summary>Gets where the script comes from, for messages: its file, or the ledger's copy of a down script.</summary>
    public string? Source { get; init; }

    /// <summary>Gets how many lines of <see cref="Source"/> come before the script's first line (a dbmate section's header).</summary>
    public int LineOffset { get; init; }

    /// <summary>Gets the source as messages name it.</summary>
    public string SourceText => Source ?? (IsUp ? Migration?.Source : null) ?? $"the ledger's copy of version {Version}'s down script";

    /// <summary>Gets the mode as shown to users: <c>in-transaction</c>, <c>no-transaction</c> or <c>own-transaction</c>.</summary>
    public string ModeText => Text(Mode);

    /// <summary>The mode as shown to users and stored in messages.</summary>
    public static string Text(MigrationTransactionMode mode) => mode switch
    {
        MigrationTransactionMode.InTransaction => "in-transaction",
        MigrationTransactionMode.NoTransaction => "no-transaction",
        MigrationTransactionMode.OwnTransaction => "own-transaction",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>The public description of this step.</summary>
    public PlannedStep ToPlanned() => new(Version, Title, IsUp ? "up" : "down", Script, ModeText);
}
