using System.Globalization;
using DataGuard.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using EfMigration = Microsoft.EntityFrameworkCore.Migrations.Migration;
using LedgerMigration = DataGuard.Migrations.Migration;

namespace DataGuard.EntityFrameworkCore.Migrations;

/// <summary>
/// A context's migrations as DataGuard stores them: for each EF migration, the up SQL (from the previous migration to
/// it) and the down SQL (back to the previous one), both from EF Core's own script generator
/// (<see cref="IMigrator.GenerateScript"/>, not idempotent, without transaction statements: DataGuard runs each in its
/// transaction). The scripts include EF's <c>__EFMigrationsHistory</c> INSERT (up) and DELETE (down): EF's generated
/// SQL is the one writer of that table, DataGuard adds no history statement of its own, so the stored down SQL alone
/// keeps the history in step when the CLI rolls back without the assembly.
/// </summary>
internal sealed class EfMigrationScripts
{
    private readonly DbContext _context;
    private readonly IMigrator _migrator;
    private readonly IMigrationsAssembly _assembly;

    public EfMigrationScripts(DbContext context)
    {
        _context = context;
        _migrator = context.GetService<IMigrator>();
        _assembly = context.GetService<IMigrationsAssembly>();
        Ids = [.. _assembly.Migrations.Keys.Order(StringComparer.Ordinal)];
        var relational = RelationalOptionsExtension.Extract(context.GetService<IDbContextOptions>());
        HistoryTable = context.GetService<ISqlGenerationHelper>().DelimitIdentifier(
            relational.MigrationsHistoryTableName ?? HistoryRepository.DefaultTableName,
            relational.MigrationsHistoryTableSchema);
        ContextName = context.GetType().FullName ?? context.GetType().Name;
    }

    /// <summary>Gets the migration ids of the assembly, in the order EF applies them.</summary>
    public IReadOnlyList<string> Ids { get; }

    /// <summary>Gets the history table, delimited as SQL.</summary>
    public string HistoryTable { get; }

    /// <summary>Gets the context's type name.</summary>
    public string ContextName { get; }

    /// <summary>The ledger version of an EF migration id: its leading timestamp (<c>yyyyMMddHHmmss</c>, as <c>dotnet ef</c> names migrations).</summary>
    /// <exception cref="DataGuardException">The id does not start with digits and an underscore.</exception>
    public static (long Version, string Title) Split(string id)
    {
        var underscore = id.IndexOf('_', StringComparison.Ordinal);
        if (underscore <= 0 || underscore > 18 || !long.TryParse(id.AsSpan(0, underscore), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new DataGuardException($"EF Core migration id '{id}' does not start with a numeric timestamp and an underscore (yyyyMMddHHmmss_Name, as 'dotnet ef migrations add' names them); DataGuard's ledger keys migrations by that number. Nothing was run.") { Operation = "migrate.efcore" };
        }

        return (version, id[(underscore + 1)..]);
    }

    /// <summary>The migration as the ledger records it, with both scripts.</summary>
    /// <param name="id">The EF migration id.</param>
    /// <param name="kind"><c>efcore</c> or <c>efcore-adopted</c>.</param>
    public LedgerMigration ToLedger(string id, string kind)
    {
        var (version, title) = Split(id);
        var index = Ids.ToList().IndexOf(id);
        var previous = index > 0 ? Ids[index - 1] : null;
        var up = _migrator.GenerateScript(previous, id, MigrationsSqlGenerationOptions.NoTransactions);
        var down = _migrator.GenerateScript(id, previous ?? EfMigration.InitialDatabase, MigrationsSqlGenerationOptions.NoTransactions);
        return new LedgerMigration
        {
            Version = version,
            Title = title,
            Up = up,
            Down = down,
            UpSha256 = DataGuard.Migrations.MigrationDirectory.Sha256(up),
            DownSha256 = DataGuard.Migrations.MigrationDirectory.Sha256(down),
            NoTransaction = SuppressesTransaction(id, previous),
            Source = $"EF Core migration {id} ({_context.GetType().Name})",
            Origin = new MigrationOrigin(kind, id, ContextName, HistoryTable),
        };
    }

    /// <summary>Whether EF runs any command of the migration (up or down) outside a transaction, as it does for <c>migrationBuilder.Sql(..., suppressTransaction: true)</c> and concurrent index builds.</summary>
    private bool SuppressesTransaction(string id, string? previous)
    {
        var generator = _context.GetService<IMigrationsSqlGenerator>();
        var migration = Create(id);
        var before = previous is null ? null : Create(previous);
        return generator.Generate(migration.UpOperations, Finalize(migration.TargetModel), MigrationsSqlGenerationOptions.Script).Any(c => c.TransactionSuppressed)
            || generator.Generate(migration.DownOperations, Finalize(before?.TargetModel), MigrationsSqlGenerationOptions.Script).Any(c => c.TransactionSuppressed);
    }

    private EfMigration Create(string id) =>
        _assembly.CreateMigration(_assembly.Migrations[id], _context.Database.ProviderName!);

    private IModel? Finalize(IModel? model)
    {
        if (model is null)
        {
            return null;
        }

        if (model is IMutableModel mutable)
        {
            model = mutable.FinalizeModel();
        }

        return _context.GetService<IModelRuntimeInitializer>().Initialize(model, designTime: true, validationLogger: null);
    }
}
