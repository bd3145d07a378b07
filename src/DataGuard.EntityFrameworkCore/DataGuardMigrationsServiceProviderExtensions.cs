using DataGuard.EntityFrameworkCore.Migrations;
using DataGuard.Postgres.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.EntityFrameworkCore;

/// <summary>Applies and adopts an EF Core context's migrations through DataGuard's ledger.</summary>
public static class DataGuardMigrationsServiceProviderExtensions
{
    /// <summary>
    /// Applies the context's pending migrations (those not in its <c>__EFMigrationsHistory</c>), in order, under
    /// DataGuard's migration lock: for each, EF Core's own script generator makes the up SQL and the down SQL, both are
    /// stored in the ledger under the migration id with their checksums, the safety net (backup and/or restore point, as
    /// configured under <c>DataGuard:Migrations</c>) is taken once before the first, and the up SQL (which writes EF's
    /// history row) runs in one transaction with DataGuard's ledger row. A model with changes no migration covers is
    /// reported as EF Core reports it (<c>PendingModelChangesWarning</c>, an error unless the context configures it
    /// otherwise).
    /// </summary>
    /// <typeparam name="TContext">The context, registered with <c>AddEntityFrameworkCore&lt;TContext&gt;()</c>.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="cancellationToken">Cancels the run (between migrations, and the running statement).</param>
    /// <returns>The deploy, the migrations applied, and the safety net made first.</returns>
    /// <exception cref="MigrationFailedException">A migration failed; the ledger records it and later ones did not run.</exception>
    public static Task<MigrationRunResult> ApplyMigrationsAsync<TContext>(this IServiceProvider services, CancellationToken cancellationToken = default)
        where TContext : DbContext =>
        Runner<TContext>(services).ApplyAsync(cancellationToken);

    /// <summary>
    /// Records in the ledger the migrations EF Core applied by itself (<c>dotnet ef database update</c>,
    /// <c>Database.Migrate()</c>): those in <c>__EFMigrationsHistory</c> that the ledger does not have as applied. Their
    /// down SQL is generated from this build's migrations, and the ledger marks them <c>efcore-adopted</c>. Nothing is
    /// run against the schema.
    /// </summary>
    /// <typeparam name="TContext">The context, registered with <c>AddEntityFrameworkCore&lt;TContext&gt;()</c>.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The migration ids adopted, in order.</returns>
    public static Task<IReadOnlyList<string>> AdoptMigrationsAsync<TContext>(this IServiceProvider services, CancellationToken cancellationToken = default)
        where TContext : DbContext =>
        Runner<TContext>(services).AdoptAsync(cancellationToken);

    /// <summary>
    /// Rehearses the context's pending migrations as <c>dataguard migrate rehearse</c> does for SQL files: on a scratch
    /// copy of the schema (<c>pg_dump --schema-only</c> into a new database on the same server, dropped afterwards),
    /// each one up, down and up again, with the SQL DataGuard would store; the ledger's history records that their down
    /// SQL works and how long each took (<c>migrate plan down</c> estimates from it). The database itself is not changed.
    /// </summary>
    /// <typeparam name="TContext">The context, registered with <c>AddEntityFrameworkCore&lt;TContext&gt;()</c>.</typeparam>
    /// <param name="services">The host's services.</param>
    /// <param name="cancellationToken">Cancels the rehearsal; the scratch database is dropped.</param>
    /// <returns>The migration ids rehearsed, in order.</returns>
    /// <exception cref="MigrationFailedException">A migration failed on the scratch copy (up, or its down).</exception>
    public static Task<IReadOnlyList<string>> RehearseMigrationsAsync<TContext>(this IServiceProvider services, CancellationToken cancellationToken = default)
        where TContext : DbContext =>
        Runner<TContext>(services).RehearseAsync(cancellationToken);

    private static EfMigrationRunner<TContext> Runner<TContext>(IServiceProvider services)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<EfMigrationRunner<TContext>>()
            ?? throw new DataGuardException($"EF Core migrations of {typeof(TContext).Name} are not registered with DataGuard: call services.AddDataGuard().AddPostgres().AddEntityFrameworkCore<{typeof(TContext).Name}>().") { Operation = "migrate.efcore" };
    }
}
