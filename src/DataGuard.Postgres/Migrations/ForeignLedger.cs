using System.Globalization;
using DataGuard.Migrations;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// The ledgers of the tools a team may come from, found on the connection's search path as those tools look for them:
/// golang-migrate's <c>schema_migrations (version bigint, dirty boolean)</c> (one row: the current version), dbmate's
/// <c>schema_migrations (version varchar)</c> (one row per applied version) and Flyway's <c>flyway_schema_history</c>.
/// Reads them for <c>migrate adopt</c>, and keeps one in step with DataGuard's ledger on request.
/// </summary>
internal static class ForeignLedger
{
    public const string GolangMigrate = "golang-migrate";
    public const string Dbmate = "dbmate";
    public const string Flyway = "flyway";

    /// <summary>The tools whose ledgers DataGuard reads and keeps in step.</summary>
    public static readonly IReadOnlyList<string> Tools = [GolangMigrate, Dbmate, Flyway];

    /// <summary>The first foreign ledger found (Flyway, then golang-migrate, then dbmate), or <see langword="null"/>.</summary>
    public static async Task<ForeignLedgerState?> DetectAsync(NpgsqlConnection connection, MigrationSet set, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        var tool = await DetectToolAsync(connection, cancellationToken).ConfigureAwait(false);
        return tool switch
        {
            GolangMigrate => await ReadGolangMigrateAsync(connection, set, cancellationToken).ConfigureAwait(false),
            Dbmate => await ReadDbmateAsync(connection, cancellationToken).ConfigureAwait(false),
            Flyway => await ReadFlywayAsync(connection, set, cancellationToken).ConfigureAwait(false),
            _ => null,
        };
    }

    /// <summary>Which tool's ledger table is on the search path, if any.</summary>
    public static async Task<string?> DetectToolAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string sql = """
            SELECT to_regclass('flyway_schema_history') IS NOT NULL,
                   to_regclass('schema_migrations') IS NOT NULL,
                   EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('schema_migrations') AND attname = 'dirty' AND NOT attisdropped)
            """;
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                return reader.GetBoolean(0) ? Flyway : reader.GetBoolean(2) ? GolangMigrate : reader.GetBoolean(1) ? Dbmate : null;
            }
        }
    }

    /// <summary>
    /// Brings the tool's table in step with DataGuard's ledger (in the caller's transaction, if any), so the team can go
    /// back to that tool at any time: golang-migrate's one row says the newest applied version (or the dirty one, dirty);
    /// dbmate's and Flyway's rows list the applied versions.
    /// </summary>
    public static async Task SyncAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tool, CancellationToken cancellationToken)
    {
        var sql = tool switch
        {
            GolangMigrate => """
                DELETE FROM schema_migrations;
                INSERT INTO schema_migrations (version, dirty)
                SELECT coalesce((SELECT max(version) FROM dataguard.migrations WHERE state = 'dirty'), (SELECT max(version) FROM dataguard.migrations WHERE state = 'applied')),
                       EXISTS (SELECT 1 FROM dataguard.migrations WHERE state = 'dirty')
                WHERE EXISTS (SELECT 1 FROM dataguard.migrations WHERE state IN ('applied', 'dirty'));
                """,
            Dbmate => """
                DELETE FROM schema_migrations WHERE version ~ '^[0-9]+$' AND version::numeric NOT IN (SELECT version FROM dataguard.migrations WHERE state = 'applied');
                INSERT INTO schema_migrations (version)
                SELECT m.version::text FROM dataguard.migrations m
                WHERE m.state = 'applied' AND NOT EXISTS (SELECT 1 FROM schema_migrations s WHERE s.version ~ '^[0-9]+$' AND s.version::numeric = m.version);
                """,
            Flyway => """
                DELETE FROM flyway_schema_history WHERE version ~ '^[0-9]+$' AND type <> 'BASELINE' AND version::numeric NOT IN (SELECT version FROM dataguard.migrations WHERE state = 'applied');
                INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, installed_by, installed_on, execution_time, success)
                SELECT (SELECT coalesce(max(installed_rank), 0) FROM flyway_schema_history) + row_number() OVER (ORDER BY m.version),
                       m.version::text, left(m.title, 200), 'SQL', 'dataguard', NULL, left(current_user, 100), now(), least(m.execution_ms, 2147483647)::int, true
                FROM dataguard.migrations m
                WHERE m.state = 'applied'
                  AND NOT EXISTS (SELECT 1 FROM flyway_schema_history f WHERE f.version ~ '^[0-9]+$' AND f.success
                                  AND (f.version::numeric = m.version OR (f.type = 'BASELINE' AND f.version::numeric >= m.version)));
                """,
            _ => throw new ArgumentOutOfRangeException(nameof(tool), tool, null),
        };
        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch.ConfigureAwait(false))
        {
            foreach (var statement in SqlLexer.Split(sql))
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(statement.Text));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<ForeignLedgerState> ReadGolangMigrateAsync(NpgsqlConnection connection, MigrationSet set, CancellationToken cancellationToken)
    {
        var rows = await ReadRowsAsync(connection, "SELECT version::text, dirty::text, NULL FROM schema_migrations LIMIT 1", cancellationToken).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return new(GolangMigrate, "schema_migrations", [], null, []);
        }

        var version = long.Parse(rows[0].Version!, CultureInfo.InvariantCulture);
        var dirty = rows[0].Second == "true";
        var applied = set.Migrations.Select(m => m.Version).Where(v => v < version || (v == version && !dirty)).ToList();
        if (!dirty && !applied.Contains(version))
        {
            applied.Add(version);   // applied by a build whose file is gone: adopt reports it
        }

        return new(GolangMigrate, "schema_migrations", [.. applied.Order()], dirty ? version : null, []);
    }

    private static async Task<ForeignLedgerState> ReadDbmateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new List<long>();
        var skipped = new List<string>();
        foreach (var row in await ReadRowsAsync(connection, "SELECT version::text, NULL, NULL FROM schema_migrations ORDER BY version", cancellationToken).ConfigureAwait(false))
        {
            if (long.TryParse(row.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                applied.Add(version);
            }
            else
            {
                skipped.Add($"version '{row.Version}' is not an integer");
            }
        }

        return new(Dbmate, "schema_migrations", applied, null, skipped);
    }

    private static async Task<ForeignLedgerState> ReadFlywayAsync(NpgsqlConnection connection, MigrationSet set, CancellationToken cancellationToken)
    {
        var applied = new SortedSet<long>();
        var skipped = new List<string>();
        long? dirty = null;
        foreach (var row in await ReadRowsAsync(connection, "SELECT version, type, success::text FROM flyway_schema_history ORDER BY installed_rank", cancellationToken).ConfigureAwait(false))
        {
            if (row.Version is null)
            {
                continue;   // repeatable migrations have no version
            }

            if (!long.TryParse(row.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                skipped.Add($"version '{row.Version}' ({row.Second}) is not an integer");
                continue;
            }

            if (row.Third != "true")
            {
                dirty = version;
            }
            else if (row.Second == "BASELINE")
            {
                applied.UnionWith(set.Migrations.Select(m => m.Version).Where(v => v <= version));
            }
            else if (row.Second is "UNDO_SQL" or "UNDO_JDBC" or "DELETE")
            {
                applied.Remove(version);
            }
            else
            {
                applied.Add(version);
            }
        }

        return new(Flyway, "flyway_schema_history", [.. applied], dirty, skipped);
    }

    private static async Task<List<(string? Version, string? Second, string? Third)>> ReadRowsAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        var rows = new List<(string?, string?, string?)>();
        var command = new NpgsqlCommand(sql, connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add((reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
                }
            }
        }

        return rows;
    }
}
