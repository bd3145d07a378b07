namespace DataGuard.Migrations;

/// <summary>
/// The record of which schema migrations are applied, with their checksums and down scripts, and an append-only
/// history of every up and down: what lets a deploy be rolled back by a build that no longer has the files.
/// </summary>
public interface IMigrationLedger
{
    /// <summary>Reads every ledger entry, by version.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The entries.</returns>
    Task<IReadOnlyList<LedgerEntry>> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>Reads the history of ups and downs, newest first.</summary>
    /// <param name="limit">How many events at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events.</returns>
    Task<IReadOnlyList<MigrationEvent>> ReadHistoryAsync(int limit = 100, CancellationToken cancellationToken = default);
}
