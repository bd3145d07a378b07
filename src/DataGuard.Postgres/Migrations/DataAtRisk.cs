namespace DataGuard.Postgres.Migrations;

/// <summary>Data a down script would destroy: the rows of a dropped table, or the rows with a value in a dropped column.</summary>
/// <param name="Table">The table, as the script names it.</param>
/// <param name="Column">The column, or null when the whole table is dropped.</param>
/// <param name="Rows">The rows affected now, or null when they could not be counted.</param>
/// <param name="Problem">Why they could not be counted (SQLSTATE and message).</param>
internal sealed record DataAtRisk(string Table, string? Column, long? Rows, string? Problem);
