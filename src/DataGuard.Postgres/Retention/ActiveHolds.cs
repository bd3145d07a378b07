using System.Text;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// The active legal holds, as retention reads them inside each batch's transaction: which columns are held (the
/// values stay in <c>dataguard.legal_holds</c> and are compared in SQL, in the column's type), and whether subjects
/// are held.
/// </summary>
internal sealed record ActiveHolds(IReadOnlyList<HeldColumn> Columns, IReadOnlyList<(string Table, string Column)> SubjectKeys)
{
    /// <summary>The advisory lock that orders placing holds against retention batches: a batch holds it shared, placing a hold takes it exclusively (a trigger on <c>dataguard.legal_holds</c>).</summary>
    public const string LockKeySql = "hashtextextended('dataguard.legal_holds', 0)";

    /// <summary>Gets a value indicating whether no hold is active.</summary>
    public bool IsEmpty => Columns.Count == 0 && SubjectKeys.Count == 0;

    /// <summary>Gets a text that changes when the set of held columns changes.</summary>
    public string Signature => string.Join(';', Columns.Select(c => $"{c.TableOid}.{c.ColumnNumber}:{c.Table}.{c.Column}:{c.Type}:{c.TextCompare}").Concat(SubjectKeys.Select(s => $"subject:{s.Table}.{s.Column}")));

    /// <summary>
    /// Reads the active holds. A hold placed by an earlier release (no table oid recorded) whose table cannot be found
    /// by name stops retention: the table may have been renamed or moved, and its rows may still exist.
    /// </summary>
    public static async Task<ActiveHolds> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            SELECT h.kind, h.table_oid, h.column_number, h.table_name || '.' || h.column_name, n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod), h.id, h.table_name, h.column_name
            FROM (SELECT kind, table_oid, column_number, table_name, column_name, min(id) AS id FROM dataguard.legal_holds
                  WHERE released_at IS NULL GROUP BY 1, 2, 3, 4, 5) h
            LEFT JOIN pg_class c ON c.oid = h.table_oid
            LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = h.column_number AND NOT a.attisdropped
            ORDER BY 1, 2, 3, 4
            """,
            connection,
            transaction);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var columns = new Dictionary<(uint, short), HeldColumn>();
        var subjects = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var placed = reader.GetString(3);
            if (reader.GetString(0) == "subject")
            {
                subjects.Add((reader.GetString(8), reader.GetString(9)));
                continue;
            }

            if (reader.IsDBNull(1))
            {
                throw new DataGuardException(
                    $"legal hold {reader.GetInt64(7)} on {placed} was placed before holds recorded their table's identity, and no table of that name exists now: " +
                    "it may have been renamed or moved, with its rows. Nothing is changed until it is released ('dataguard hold release ID', if the table was dropped) or placed again on the table's new name.")
                { Operation = "retention" };
            }

            var key = (reader.GetFieldValue<uint>(1), reader.GetInt16(2));
            columns.TryAdd(key, new HeldColumn(key.Item1, key.Item2, placed, reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return new ActiveHolds([.. columns.Values], subjects);
    }

    /// <summary>
    /// Checks that every active hold on the tables a policy's checks can reach (<paramref name="relevant"/> says which, by table oid) has a value
    /// valid in its column's current type (a hold placed before values were typed, or a column whose type changed
    /// since): a value that does not parse would fail every batch. One statement per held column; the error names the
    /// hold so that an operator can replace it.
    /// </summary>
    public static async Task RequireValidValuesAsync(NpgsqlConnection connection, string operation, Func<uint, bool> relevant, CancellationToken cancellationToken)
    {
        var holds = await ReadAsync(connection, null, cancellationToken).ConfigureAwait(false);
        foreach (var held in holds.Columns.Where(c => c.Type is not null && relevant(c.TableOid)))
        {
            if (!await HoldValue.HasEqualityAsync(connection, null, held.Type!, cancellationToken).ConfigureAwait(false))
            {
                continue;   // compared as text, as written
            }

            var all = new NpgsqlCommand($"SELECT count(h.value::{held.Type}) FROM dataguard.legal_holds h WHERE h.released_at IS NULL AND h.kind = 'table' AND h.table_oid = @oid AND h.column_number = @attnum", connection);
            await using var allScope = all.ConfigureAwait(false);
            all.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, held.TableOid);
            all.Parameters.AddWithValue("attnum", held.ColumnNumber);
            try
            {
                await all.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (PostgresException ex) when (ex.SqlState.StartsWith("22", StringComparison.Ordinal))
            {
                // Find which one, to name it.
            }

            foreach (var (id, value) in await ValuesAsync(connection, held, cancellationToken).ConfigureAwait(false))
            {
                if (await HoldValue.TryCanonicalAsync(connection, value, held.Type!, cancellationToken).ConfigureAwait(false) is { Error: { } error })
                {
                    throw new DataGuardException(
                        new StringBuilder($"{operation}: legal hold {id} on {held.Table}.{held.Column} cannot be compared with the column ({held.Type}): {error}. ")
                            .Append("Nothing was changed; release the hold and place it again with a valid value.").ToString())
                    { Operation = "retention" };
                }
            }
        }
    }

    private static async Task<List<(long Id, string Value)>> ValuesAsync(NpgsqlConnection connection, HeldColumn held, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand("SELECT id, value FROM dataguard.legal_holds WHERE released_at IS NULL AND kind = 'table' AND table_oid = @oid AND column_number = @attnum ORDER BY id", connection);
        await using var commandScope = command.ConfigureAwait(false);
        command.Parameters.AddWithValue("oid", NpgsqlTypes.NpgsqlDbType.Oid, held.TableOid);
        command.Parameters.AddWithValue("attnum", held.ColumnNumber);
        var values = new List<(long Id, string Value)>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return values;
    }
}
