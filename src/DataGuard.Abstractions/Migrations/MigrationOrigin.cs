namespace DataGuard.Migrations;

/// <summary>Where a migration in the ledger came from: SQL files (the default) or an EF Core context.</summary>
/// <param name="Kind"><c>sql</c>, <c>efcore</c> (applied through DataGuard) or <c>efcore-adopted</c> (applied by EF itself, recorded afterwards; its down script was generated from the assembly that adopted it).</param>
/// <param name="Id">The migration's own id, such as the EF migration id <c>20260101120000_AddOrders</c>.</param>
/// <param name="Context">The EF Core context type.</param>
/// <param name="HistoryTable">The EF history table, delimited as SQL (such as <c>"__EFMigrationsHistory"</c>), which the stored scripts keep in step.</param>
internal sealed record MigrationOrigin(string Kind, string? Id, string? Context, string? HistoryTable)
{
    /// <summary>Gets the origin of a migration read from SQL files.</summary>
    public static MigrationOrigin Sql { get; } = new("sql", null, null, null);

    /// <summary>Gets a value indicating whether the migration came from EF Core.</summary>
    public bool IsEntityFramework => Kind.StartsWith("efcore", StringComparison.Ordinal);
}
