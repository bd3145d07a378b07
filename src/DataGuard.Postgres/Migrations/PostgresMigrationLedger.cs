using DataGuard.Migrations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>The migration ledger in PostgreSQL: <c>dataguard.migrations</c> and the append-only <c>dataguard.migration_history</c>.</summary>
internal sealed class PostgresMigrationLedger : IMigrationLedger
{
    private readonly DataGuardDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PostgresMigrationLedger"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    public PostgresMigrationLedger(DataGuardDataSource dataSource) => _dataSource = dataSource;

    /// <inheritdoc />
    public async Task<IReadOnlyList<LedgerEntry>> ReadAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadAsync(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MigrationEvent>> ReadHistoryAsync(int limit = 100, CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            if (!await ExistsAsync(connection, cancellationToken).ConfigureAwait(false))
            {
                return [];
            }

            var command = new NpgsqlCommand("SELECT version, direction, outcome, at, by, duration_ms, deploy_id, error FROM dataguard.migration_history ORDER BY id DESC LIMIT @limit", connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("limit", limit);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var events = new List<MigrationEvent>();
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        events.Add(new MigrationEvent(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
                    }

                    return events;
                }
            }
        }
    }

    internal static async Task<bool> ExistsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT to_regclass('dataguard.migrations') IS NOT NULL", connection);
        await using (command.ConfigureAwait(false))
        {
            return (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
    }

    internal static async Task<IReadOnlyList<LedgerEntry>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            return [];
        }

        var command = new NpgsqlCommand("SELECT version, title, state, up_sha256, down_sha256, down_script, no_transaction, irreversible, applied_at, applied_by, execution_ms, deploy_id, error FROM dataguard.migrations ORDER BY version", connection);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var entries = new List<LedgerEntry>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    entries.Add(new LedgerEntry
                    {
                        Version = reader.GetInt64(0),
                        Title = reader.GetString(1),
                        State = reader.GetString(2) switch
                        {
                            "applied" => MigrationState.Applied,
                            "failed" => MigrationState.Failed,
                            "rolledback" => MigrationState.RolledBack,
                            _ => MigrationState.Dirty,
                        },
                        UpSha256 = reader.GetString(3),
                        DownSha256 = reader.IsDBNull(4) ? null : reader.GetString(4),
                        Down = reader.IsDBNull(5) ? null : reader.GetString(5),
                        NoTransaction = reader.GetBoolean(6),
                        Irreversible = reader.GetBoolean(7),
                        AppliedAt = reader.GetFieldValue<DateTimeOffset>(8),
                        AppliedBy = reader.GetString(9),
                        ExecutionMs = reader.GetInt64(10),
                        DeployId = reader.GetString(11),
                        Error = reader.IsDBNull(12) ? null : reader.GetString(12),
                    });
                }

                return entries;
            }
        }
    }

    /// <summary>Brings DataGuard's tables (the ledger's among them) up to date.</summary>
    internal static Task EnsureSchemaAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        Schema.DataGuardSchema.EnsureAsync(connection, cancellationToken);

    /// <summary>Writes a migration's row from its file: state, checksums, down script, flags, timing, deploy, error and origin.</summary>
    internal static Task UpsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, Migration migration, string state, long ms, string deploy, string? error, string application, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, LedgerSchema.Upsert, null, parameters =>
        {
            parameters.AddWithValue("version", migration.Version);
            parameters.AddWithValue("title", migration.Title);
            parameters.AddWithValue("state", state);
            parameters.AddWithValue("up_sha", migration.UpSha256);
            parameters.AddWithValue("down_sha", (object?)migration.DownSha256 ?? DBNull.Value);
            parameters.AddWithValue("down", (object?)migration.Down ?? DBNull.Value);
            parameters.AddWithValue("no_tx", migration.NoTransaction);
            parameters.AddWithValue("irreversible", migration.Irreversible);
            parameters.AddWithValue("app", application);
            parameters.AddWithValue("ms", ms);
            parameters.AddWithValue("deploy", deploy);
            parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
            parameters.AddWithValue("source_kind", migration.Origin.Kind);
            parameters.AddWithValue("source_id", (object?)migration.Origin.Id ?? DBNull.Value);
            parameters.AddWithValue("source_context", (object?)migration.Origin.Context ?? DBNull.Value);
            parameters.AddWithValue("history_table", (object?)migration.Origin.HistoryTable ?? DBNull.Value);

            // Generated scripts exist nowhere else; a SQL file's up script stays in its file.
            parameters.AddWithValue("up_script", migration.Origin.IsEntityFramework ? migration.Up : DBNull.Value);
        }, cancellationToken);

    /// <summary>Changes the state (and error) of a version already in the ledger, saying who did it and when.</summary>
    internal static Task SetStateAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long version, string state, string? error, string application, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, LedgerSchema.SetState, null, parameters =>
        {
            parameters.AddWithValue("version", version);
            parameters.AddWithValue("state", state);
            parameters.AddWithValue("app", application);
            parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        }, cancellationToken);

    /// <summary>Records an error on a version, keeping when and by whom it was applied (a down script that failed and applied nothing: the version stays applied), and sets its state when given.</summary>
    internal static Task SetErrorAsync(NpgsqlConnection connection, long version, string? state, string? error, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, LedgerSchema.SetError, null, parameters =>
        {
            parameters.AddWithValue("version", version);
            parameters.Add(new NpgsqlParameter<string?>("state", NpgsqlTypes.NpgsqlDbType.Text) { TypedValue = state });
            parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        }, cancellationToken);

    /// <summary>Appends one event to the history (append-only).</summary>
    internal static Task AppendHistoryAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long version, string direction, string outcome, string? error, long ms, string? deploy, string application, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, transaction, LedgerSchema.History, null, parameters =>
        {
            parameters.AddWithValue("version", version);
            parameters.AddWithValue("direction", direction);
            parameters.AddWithValue("outcome", outcome);
            parameters.AddWithValue("app", application);
            parameters.AddWithValue("ms", ms);
            parameters.AddWithValue("deploy", (object?)deploy ?? DBNull.Value);
            parameters.AddWithValue("error", (object?)error ?? DBNull.Value);
        }, cancellationToken);

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, int? commandTimeout, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using (command.ConfigureAwait(false))
        {
            if (commandTimeout is { } timeout)
            {
                command.CommandTimeout = timeout;
            }

            bind(command.Parameters);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
