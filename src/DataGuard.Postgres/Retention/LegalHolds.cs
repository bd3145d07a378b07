using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Places, releases and lists legal holds in <c>dataguard.legal_holds</c>.</summary>
public sealed class LegalHolds
{
    private readonly IOptions<PostgresOptions> _options;

    /// <summary>Initializes a new instance of the <see cref="LegalHolds"/> class.</summary>
    /// <param name="options">The PostgreSQL options.</param>
    public LegalHolds(IOptions<PostgresOptions> options) => _options = options;

    /// <summary>Places a hold on the rows of <paramref name="table"/> whose <paramref name="column"/> equals <paramref name="value"/>.</summary>
    /// <param name="table">The table, <c>schema.table</c>; must exist.</param>
    /// <param name="column">The column; must exist.</param>
    /// <param name="value">The value, compared as text.</param>
    /// <param name="reason">Why (recorded).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The hold.</returns>
    public async Task<LegalHold> PlaceAsync(string table, string column, string value, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        await RetentionCatalog.RequireColumnAsync(connection, table, column, $"hold on {table}.{column}", cancellationToken).ConfigureAwait(false);
        var command = new NpgsqlCommand(
            "INSERT INTO dataguard.legal_holds (table_name, column_name, value, reason, placed_by) VALUES (@t, @c, @v, @r, current_user) RETURNING id, placed_by, placed_at",
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("t", table);
        command.Parameters.AddWithValue("c", column);
        command.Parameters.AddWithValue("v", value);
        command.Parameters.AddWithValue("r", reason);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new LegalHold(reader.GetInt64(0), table, column, value, reason, reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), null);
    }

    /// <summary>Releases a hold (it stays listed, with when and by whom it was released).</summary>
    /// <param name="id">The hold's id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether an active hold was released.</returns>
    public async Task<bool> ReleaseAsync(long id, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand("UPDATE dataguard.legal_holds SET released_at = now(), released_by = current_user WHERE id = @id AND released_at IS NULL", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Lists holds, active first.</summary>
    /// <param name="includeReleased">Whether released holds are listed too.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The holds.</returns>
    public async Task<IReadOnlyList<LegalHold>> ListAsync(bool includeReleased = false, CancellationToken cancellationToken = default)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var command = new NpgsqlCommand(
            $"SELECT id, table_name, column_name, value, reason, placed_by, placed_at, released_at FROM dataguard.legal_holds {(includeReleased ? string.Empty : "WHERE released_at IS NULL")} ORDER BY released_at NULLS FIRST, id",
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var holds = new List<LegalHold>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            holds.Add(new LegalHold(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return holds;
    }

    internal async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_options.Value.ConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var schema = new NpgsqlCommand(RetentionSchema.Create, connection);
        await using var schemaScope = schema.ConfigureAwait(false);
        await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }
}
