using DataGuard.Migrations;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// <c>migrate adopt</c>: records in DataGuard's (empty) ledger what another tool's ledger says is applied, with the
/// scripts of the files (so their downs can run later), in one transaction, and says what it did.
/// </summary>
internal static class MigrationAdopter
{
    /// <summary>Adopts the foreign ledger found on the connection (which holds the migration lock).</summary>
    /// <exception cref="DataGuardException">DataGuard's ledger is not empty, or no foreign ledger was found.</exception>
    public static async Task<AdoptionResult> AdoptAsync(NpgsqlConnection connection, MigrationSet set, string deploy, string application, CancellationToken cancellationToken)
    {
        await PostgresMigrationLedger.EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);
        var ledger = await PostgresMigrationLedger.ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        if (ledger.Count > 0)
        {
            throw new DataGuardException($"DataGuard's ledger already records {ledger.Count} version(s); adopt only fills an empty ledger. Nothing was changed.") { Operation = "migrate.adopt" };
        }

        var source = await ForeignLedger.DetectAsync(connection, set, cancellationToken).ConfigureAwait(false)
            ?? throw new DataGuardException("No golang-migrate or dbmate schema_migrations table, nor Flyway flyway_schema_history, on the search path: there is nothing to adopt.") { Operation = "migrate.adopt" };
        var files = set.Migrations.ToDictionary(m => m.Version);
        var applied = new List<long>();
        var missing = new List<long>();
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            foreach (var version in source.Applied.Append(source.Dirty ?? -1).Where(v => v >= 0))
            {
                if (!files.TryGetValue(version, out var file))
                {
                    missing.Add(version);
                    continue;
                }

                var dirty = version == source.Dirty;
                var note = dirty ? $"adopted as dirty from {source.Tool}'s {source.Table}: it failed midway there; inspect the schema, then resolve" : null;
                await PostgresMigrationLedger.UpsertAsync(connection, transaction, file, dirty ? "dirty" : "applied", 0, deploy, note, application, cancellationToken).ConfigureAwait(false);
                await PostgresMigrationLedger.AppendHistoryAsync(connection, transaction, version, "adopt", dirty ? "dirty" : "applied", $"adopted from {source.Tool}'s {source.Table}", 0, deploy, application, cancellationToken).ConfigureAwait(false);
                if (!dirty)
                {
                    applied.Add(version);
                }
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return new AdoptionResult(source, applied, source.Dirty is { } d && files.ContainsKey(d) ? d : null, missing, deploy);
    }
}
