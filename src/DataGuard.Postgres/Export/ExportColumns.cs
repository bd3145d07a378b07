using System.Data;
using System.Runtime.CompilerServices;
using DataGuard.Export;
using DataGuard.Postgres.Catalog;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>Reads exported columns: types .NET maps well are read as such; json and jsonb become <see cref="JsonText"/>; every other type is read as PostgreSQL's own text.</summary>
internal static class ExportColumns
{
    private static readonly string[] NativePrefixes =
    [
        "boolean", "smallint", "integer", "bigint", "numeric", "real", "double precision", "text", "character varying", "character",
        "timestamp with time zone", "timestamp without time zone", "date", "time without time zone", "interval", "uuid", "bytea", "json", "jsonb",
    ];

    public static bool IsNative(string type)
    {
        var element = type.EndsWith("[]", StringComparison.Ordinal) ? type[..^2] : type;
        if (type.EndsWith("[]", StringComparison.Ordinal) && element is "json" or "jsonb")
        {
            return false;
        }

        return NativePrefixes.Any(p => element == p || element.StartsWith(p + "(", StringComparison.Ordinal));
    }

    public static string Select(string alias, PgColumn column)
    {
        var quoted = PgIdentifiers.Quote(column.Name);
        return IsNative(column.Type) ? $"{alias}.{quoted}" : $"{alias}.{quoted}::text AS {quoted}";
    }

    public static IReadOnlyList<ExportColumn> Describe(IEnumerable<PgColumn> columns) => columns.Select(c => new ExportColumn(c.Name, c.Type)).ToList();

    /// <summary>Streams a command's rows (each row is buffered whole by Npgsql, then read with synchronous getters); the array is reused from row to row. The command is disposed at the end.</summary>
    public static async IAsyncEnumerable<object?[]> ReadAsync(NpgsqlCommand command, IReadOnlyList<PgColumn> columns, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var commandScope = command.ConfigureAwait(false);
        var reader = await command.ExecuteReaderAsync(CommandBehavior.Default, cancellationToken).ConfigureAwait(false);
        await using var readerScope = reader.ConfigureAwait(false);
        var json = columns.Select(c => c.Type is "json" or "jsonb").ToArray();
        var row = new object?[columns.Count];
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (reader.IsDBNull(i))
                {
                    row[i] = null;
                }
                else if (json[i])
                {
                    row[i] = new JsonText(reader.GetString(i));
                }
                else
                {
                    row[i] = reader.GetValue(i);
                }
            }

            yield return row;
        }
    }
}
