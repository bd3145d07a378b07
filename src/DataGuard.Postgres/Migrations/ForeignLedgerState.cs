namespace DataGuard.Postgres.Migrations;

/// <summary>What another tool's ledger in the database says is applied.</summary>
/// <param name="Tool"><c>golang-migrate</c>, <c>dbmate</c> or <c>flyway</c>.</param>
/// <param name="Table">Its table.</param>
/// <param name="Applied">The versions it says are applied (for golang-migrate, every file version up to its version).</param>
/// <param name="Dirty">The version it says is dirty (failed midway), if any.</param>
/// <param name="Skipped">Rows that name no integer version (such as Flyway's <c>1.1</c> or repeatable migrations), with why.</param>
internal sealed record ForeignLedgerState(string Tool, string Table, IReadOnlyList<long> Applied, long? Dirty, IReadOnlyList<string> Skipped)
{
    /// <summary>Gets a short description for messages.</summary>
    public string Summary => $"{Tool}'s {Table}: {Applied.Count} applied version(s){(Applied.Count > 0 ? $" up to {Applied.Max()}" : string.Empty)}{(Dirty is { } d ? $", version {d} dirty" : string.Empty)}";
}
