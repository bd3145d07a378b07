using System.Text;
using DataGuard.Postgres.Catalog;
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
    public string Signature => string.Join(';', Columns.Select(c => $"{c.Table}.{c.Column}:{c.Type}").Concat(SubjectKeys.Select(s => $"subject:{s.Table}.{s.Column}")));

    public static async Task<ActiveHolds> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(
            """
            SELECT h.kind, h.table_name, h.column_name, format_type(a.atttypid, a.atttypmod)
            FROM (SELECT DISTINCT kind, table_name, column_name FROM dataguard.legal_holds WHERE released_at IS NULL) h
            LEFT JOIN pg_namespace n ON n.nspname = split_part(h.table_name, '.', 1)
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = substr(h.table_name, length(split_part(h.table_name, '.', 1)) + 2)
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = h.column_name AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY 1, 2, 3
            """,
            connection,
            transaction);
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var columns = new List<HeldColumn>();
        var subjects = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetString(0) == "subject")
            {
                subjects.Add((reader.GetString(1), reader.GetString(2)));
            }
            else
            {
                columns.Add(new HeldColumn(reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
            }
        }

        return new ActiveHolds(columns, subjects);
    }

    /// <summary>
    /// Checks that every active hold's value is valid in its column's current type (a hold placed before values were
    /// typed, or a column whose type changed since): a value that does not parse would fail every batch; the error
    /// names the hold so that an operator can replace it.
    /// </summary>
    public static async Task RequireValidValuesAsync(NpgsqlConnection connection, string operation, CancellationToken cancellationToken)
    {
        var holds = await ReadAsync(connection, null, cancellationToken).ConfigureAwait(false);
        foreach (var held in holds.Columns.Where(c => c.Type is not null))
        {
            var command = new NpgsqlCommand(
                "SELECT id, value FROM dataguard.legal_holds WHERE released_at IS NULL AND kind = 'table' AND table_name = @t AND column_name = @c ORDER BY id",
                connection);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.AddWithValue("t", held.Table);
            command.Parameters.AddWithValue("c", held.Column);
            var values = new List<(long Id, string Value)>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    values.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            foreach (var (id, value) in values)
            {
                if (await HoldValue.TryCanonicalAsync(connection, null, value, held.Type!, cancellationToken).ConfigureAwait(false) is { Error: { } error })
                {
                    throw new DataGuardException(
                        new StringBuilder($"{operation}: legal hold {id} on {held.Table}.{held.Column} cannot be compared with the column ({held.Type}): {error}. ")
                            .Append("Nothing was changed; release the hold and place it again with a valid value.").ToString())
                    { Operation = "retention" };
                }
            }
        }
    }
}
