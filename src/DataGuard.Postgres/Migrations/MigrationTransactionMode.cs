namespace DataGuard.Postgres.Migrations;

/// <summary>
/// How a step's script runs with respect to transactions. Everything but <see cref="InTransaction"/> runs outside
/// DataGuard's transaction, so the executor marks the version dirty before it starts (a new mode that runs outside a
/// transaction inherits that protection).
/// </summary>
internal enum MigrationTransactionMode
{
    /// <summary>In one transaction together with its ledger row: all or nothing.</summary>
    InTransaction,

    /// <summary>Outside any transaction (<c>-- dataguard:no-transaction</c>, dbmate's <c>transaction:false</c>).</summary>
    NoTransaction,

    /// <summary>The script has its own <c>BEGIN</c>/<c>COMMIT</c>.</summary>
    OwnTransaction,
}
