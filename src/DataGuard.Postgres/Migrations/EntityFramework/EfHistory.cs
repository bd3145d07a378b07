using System.Text.RegularExpressions;
using DataGuard.Migrations;
using Npgsql;

namespace DataGuard.Postgres.Migrations.EntityFramework;

/// <summary>
/// EF Core's side of the ledger, read with the connection string alone (no application assembly): the ledger rows that
/// came from an EF context, and the migration ids in their <c>__EFMigrationsHistory</c> tables.
/// </summary>
internal static partial class EfHistory
{
    /// <summary>The history table EF Core uses unless the context names another.</summary>
    public const string DefaultTable = "\"__EFMigrationsHistory\"";

    /// <summary>The migration ids in a history table (delimited SQL name), or none when it does not exist.</summary>
    public static async Task<IReadOnlyList<string>> ReadIdsAsync(NpgsqlConnection connection, string table, CancellationToken cancellationToken)
    {
        if (!TableName().IsMatch(table))
        {
            throw new DataGuardException($"The EF Core history table recorded in the ledger, {table}, is not a table name; DataGuard reads nothing from it.") { Operation = "migrate.efcore" };
        }

        var exists = new NpgsqlCommand("SELECT to_regclass(@table) IS NOT NULL", connection);
        await using (exists.ConfigureAwait(false))
        {
            exists.Parameters.AddWithValue("table", table);
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return [];
            }
        }

        // The name comes from the ledger or from EF's own SQL generator (delimited), checked to be a [schema.]table name above.
        var command = new NpgsqlCommand($"SELECT \"MigrationId\" FROM {table} ORDER BY \"MigrationId\"", connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var ids = new List<string>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(reader.GetString(0));
                }

                return ids;
            }
        }
    }

    /// <summary>The origin of every ledger row by version (none before the ledger records origins; the schema is not upgraded by reading).</summary>
    public static async Task<IReadOnlyDictionary<long, MigrationOrigin>> ReadOriginsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var probe = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'dataguard' AND table_name = 'migrations' AND column_name = 'history_table')", connection);
        await using (probe.ConfigureAwait(false))
        {
            if (!(bool)(await probe.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                return new Dictionary<long, MigrationOrigin>();
            }
        }

        var command = new NpgsqlCommand("SELECT version, source_kind, source_id, source_context, history_table FROM dataguard.migrations", connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var origins = new Dictionary<long, MigrationOrigin>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    origins[reader.GetInt64(0)] = new MigrationOrigin(
                        reader.GetString(1),
                        reader.IsDBNull(2) ? null : reader.GetString(2),
                        reader.IsDBNull(3) ? null : reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4));
                }

                return origins;
            }
        }
    }

    /// <summary>
    /// Compares each EF history table (the ones the ledger names, and EF's default one when it exists) with the ledger:
    /// migrations EF applied that the ledger does not have as applied (run by <c>dotnet ef database update</c> or
    /// <c>Database.Migrate()</c>: adopt them), and migrations the ledger has as applied that EF's history lacks.
    /// </summary>
    public static async Task<IReadOnlyList<EfReconciliation>> ReconcileAsync(NpgsqlConnection connection, IReadOnlyList<LedgerEntry> ledger, CancellationToken cancellationToken)
    {
        var origins = await ReadOriginsAsync(connection, cancellationToken).ConfigureAwait(false);
        var ef = ledger.Where(e => origins.TryGetValue(e.Version, out var o) && o.IsEntityFramework)
            .Select(e => (Entry: e, Origin: origins[e.Version])).ToList();
        var tables = ef.Select(p => p.Origin.HistoryTable!).Append(DefaultTable).Distinct(StringComparer.Ordinal);
        var result = new List<EfReconciliation>();
        foreach (var table in tables)
        {
            var ids = await ReadIdsAsync(connection, table, cancellationToken).ConfigureAwait(false);
            var inLedger = ef.Where(p => p.Origin.HistoryTable == table).ToList();
            if (ids.Count == 0 && inLedger.Count == 0)
            {
                continue;
            }

            var appliedInLedger = inLedger.Where(p => p.Entry.State == MigrationState.Applied).Select(p => p.Origin.Id!).ToHashSet(StringComparer.Ordinal);
            var anyApplied = ledger.Where(e => e.State == MigrationState.Applied).Select(e => e.Version).ToHashSet();
            result.Add(new EfReconciliation(
                table,
                [.. inLedger.Select(p => p.Origin.Context).OfType<string>().Distinct(StringComparer.Ordinal)],
                ids.Count,
                [.. ids.Where(id => !appliedInLedger.Contains(id) && !(TryVersion(id) is { } v && anyApplied.Contains(v) && origins.TryGetValue(v, out var o) && o.Id == id))],
                [.. appliedInLedger.Where(id => !ids.Contains(id, StringComparer.Ordinal)).Order(StringComparer.Ordinal)]));
        }

        return result;
    }

    private static long? TryVersion(string id) =>
        id.IndexOf('_', StringComparison.Ordinal) is var u and > 0 && long.TryParse(id.AsSpan(0, u), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : null;

    [GeneratedRegex("""^(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?$""")]
    private static partial Regex TableName();
}
