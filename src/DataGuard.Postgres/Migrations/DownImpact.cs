using System.Text.RegularExpressions;
using DataGuard.Migrations;
using Npgsql;

namespace DataGuard.Postgres.Migrations;

/// <summary>
/// What a down script would destroy, found before it runs: every <c>ALTER TABLE ... DROP COLUMN</c> and
/// <c>DROP TABLE</c> outside comments and string literals, with the rows that hold data there now (for a column, the
/// rows where it is not null). Shown by <c>migrate plan down</c>, so that data written by a newer release into what the
/// rollback drops is seen before it is gone.
/// </summary>
internal static partial class DownImpact
{
    private const string Ident = """(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)""";
    private const string Name = Ident + @"(?:\s*\.\s*" + Ident + ")?";

    /// <summary>The drops of a script, in order: (table, column or null for the whole table), names as the script spells them.</summary>
    public static IReadOnlyList<(string Table, string? Column)> Drops(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var drops = new List<(string, string?)>();
        // Statements as the migration lexer splits them (dollar-quoted bodies and literals never split one).
        foreach (var statement in SqlLexer.Split(script).Select(s => s.Text))
        {
            if (AlterTable().Match(statement) is { Success: true } alter)
            {
                foreach (Match drop in DropColumn().Matches(alter.Groups["actions"].Value))
                {
                    var column = drop.Groups["column"].Value;
                    if (!column.Equals("CONSTRAINT", StringComparison.OrdinalIgnoreCase))
                    {
                        drops.Add((alter.Groups["table"].Value, column));
                    }
                }
            }
            else if (DropTable().Match(statement) is { Success: true } dropTable)
            {
                drops.AddRange(TableList().Matches(dropTable.Groups["tables"].Value).Select(t => (t.Value, (string?)null)));
            }
        }

        return drops;
    }

    /// <summary>Counts the rows each drop of <paramref name="script"/> would destroy, on the current database.</summary>
    public static async Task<IReadOnlyList<DataAtRisk>> MeasureAsync(NpgsqlConnection connection, string script, CancellationToken cancellationToken)
    {
        var result = new List<DataAtRisk>();
        foreach (var (table, column) in Drops(script))
        {
            // The names are identifiers matched above (quoted or plain), from the stored down script.
            var sql = column is null ? $"SELECT count(*) FROM {table}" : $"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL";
            try
            {
                var command = new NpgsqlCommand(sql, connection);
                await using (command.ConfigureAwait(false))
                {
                    result.Add(new DataAtRisk(table, column, (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!, null));
                }
            }
            catch (PostgresException ex)
            {
                result.Add(new DataAtRisk(table, column, null, $"{ex.SqlState}: {ex.MessageText}"));
            }
        }

        return result;
    }

    [GeneratedRegex(@"^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(?<table>" + Name + @")\s+(?<actions>.*)$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex AlterTable();

    [GeneratedRegex(@"(?:^|,)\s*DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(?<column>" + Ident + ")", RegexOptions.IgnoreCase)]
    private static partial Regex DropColumn();

    [GeneratedRegex(@"^\s*DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?<tables>" + Name + @"(?:\s*,\s*" + Name + @")*)", RegexOptions.IgnoreCase)]
    private static partial Regex DropTable();

    [GeneratedRegex(Name)]
    private static partial Regex TableList();
}
