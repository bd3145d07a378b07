using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>Places, releases and lists legal holds in <c>dataguard.legal_holds</c>.</summary>
public sealed class LegalHolds
{
    private readonly DataGuardDataSource _dataSource;
    private readonly Export.SubjectExports _subjects;
    private readonly IOptions<Export.ExportOptions> _export;

    /// <summary>Initializes a new instance of the <see cref="LegalHolds"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="subjects">The subject exports (a subject hold checks the subject exists).</param>
    /// <param name="export">The export options (the subject table and key).</param>
    internal LegalHolds(DataGuardDataSource dataSource, Export.SubjectExports subjects, IOptions<Export.ExportOptions> export)
    {
        _dataSource = dataSource;
        _subjects = subjects;
        _export = export;
    }

    /// <summary>Places a hold on a subject: every row the subject data map links to it (<c>DataGuard:Export:Subject</c>).</summary>
    /// <param name="subject">The subject's key; the subject must exist.</param>
    /// <param name="reason">Why (recorded).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The hold.</returns>
    public async Task<LegalHold> PlaceSubjectAsync(string subject, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        await _subjects.RequireSubjectAsync(subject, cancellationToken).ConfigureAwait(false);
        var target = _export.Value.Subject;
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var (value, oid, attnum) = await CanonicalAsync(connection, target.Table, target.Key, subject, cancellationToken).ConfigureAwait(false);
        return await InsertAsync(connection, "subject", target.Table, target.Key, value, reason, oid, attnum, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Places a hold on the rows of <paramref name="table"/> whose <paramref name="column"/> equals <paramref name="value"/>.</summary>
    /// <param name="table">The table, <c>schema.table</c>; must exist.</param>
    /// <param name="column">The column; must exist.</param>
    /// <param name="value">The value, in any text form the column's type accepts (<c>042</c> for an integer, an upper-case uuid); it is parsed in that type, stored in its canonical form, and compared in that type. A value the type cannot hold is refused.</param>
    /// <param name="reason">Why (recorded).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The hold.</returns>
    public async Task<LegalHold> PlaceAsync(string table, string column, string value, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var (canonical, oid, attnum) = await CanonicalAsync(connection, table, column, value, cancellationToken).ConfigureAwait(false);
        return await InsertAsync(connection, "table", table, column, canonical, reason, oid, attnum, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The value parsed in the column's type, in that type's canonical text; a clear error when it cannot be held.</summary>
    /// <summary>The value in its canonical text, and the table's oid and column's number, which the hold records so that it follows a rename or a move.</summary>
    private static async Task<(string Value, uint Oid, short Column)> CanonicalAsync(NpgsqlConnection connection, string table, string column, string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        var found = await Catalog.PgCatalog.FindTableAsync(connection, table, cancellationToken).ConfigureAwait(false);
        if (found?.Column(column) is not { } held)
        {
            throw new DataGuardException($"hold on {table}.{column}: the table {table} or its column '{column}' does not exist.") { Operation = "retention" };
        }

        var (canonical, error, _) = await HoldValue.TryCanonicalAsync(connection, value, held.Type, cancellationToken).ConfigureAwait(false);
        if (canonical is null)
        {
            throw new DataGuardException($"hold on {table}.{column} ({held.Type}): {error}. No hold was placed.") { Operation = "retention" };
        }

        var command = new NpgsqlCommand("SELECT attnum FROM pg_attribute WHERE attrelid = @oid AND attname = @column AND NOT attisdropped", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, found.Oid);
        command.Parameters.AddWithValue("column", held.Name);
        var attnum = (short)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        return (canonical, found.Oid, attnum);
    }

    private static async Task<LegalHold> InsertAsync(NpgsqlConnection connection, string kind, string table, string column, string value, string reason, uint oid, short attnum, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            "INSERT INTO dataguard.legal_holds (kind, table_name, column_name, value, reason, placed_by, table_oid, column_number) VALUES (@k, @t, @c, @v, @r, current_user, @oid, @attnum) RETURNING id, placed_by, placed_at",
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("k", kind);
        command.Parameters.AddWithValue("t", table);
        command.Parameters.AddWithValue("c", column);
        command.Parameters.AddWithValue("v", value);
        command.Parameters.AddWithValue("r", reason);
        command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, oid);
        command.Parameters.AddWithValue("attnum", attnum);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new LegalHold(reader.GetInt64(0), table, column, value, reason, reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), null) { Kind = kind };
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
            $"SELECT id, table_name, column_name, value, reason, placed_by, placed_at, released_at, kind FROM dataguard.legal_holds {(includeReleased ? string.Empty : "WHERE released_at IS NULL")} ORDER BY released_at NULLS FIRST, id",
            connection);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var holds = new List<LegalHold>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            holds.Add(new LegalHold(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7)) { Kind = reader.GetString(8) });
        }

        return holds;
    }

    internal Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => RetentionSession.OpenAsync(_dataSource, cancellationToken);
}
