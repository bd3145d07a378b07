namespace DataGuard.Postgres.Migrations.EntityFramework;

/// <summary>One EF Core history table compared with the ledger.</summary>
/// <param name="HistoryTable">The history table (delimited SQL name).</param>
/// <param name="Contexts">The contexts the ledger recorded for it.</param>
/// <param name="HistoryCount">How many migrations the history table lists.</param>
/// <param name="NotInLedger">Migration ids EF applied that the ledger does not have as applied (adopt them).</param>
/// <param name="NotInHistory">Migration ids the ledger has as applied that the history table lacks.</param>
internal sealed record EfReconciliation(string HistoryTable, IReadOnlyList<string> Contexts, int HistoryCount, IReadOnlyList<string> NotInLedger, IReadOnlyList<string> NotInHistory)
{
    /// <summary>Gets a value indicating whether the history table and the ledger agree.</summary>
    public bool InStep => NotInLedger.Count == 0 && NotInHistory.Count == 0;
}
