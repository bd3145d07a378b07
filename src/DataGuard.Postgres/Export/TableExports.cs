using System.Runtime.CompilerServices;
using DataGuard.Export;
using DataGuard.Postgres.Catalog;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>
/// Whole-table exports for operators, in constant memory: CSV straight from <c>COPY ... TO STDOUT (FORMAT csv,
/// HEADER)</c> when every column leaves (PostgreSQL's own CSV, passed through), through CsvHelper when redaction drops
/// columns; JSON and NDJSON with <c>Utf8JsonWriter</c> over a data reader.
/// </summary>
internal sealed class TableExports
{
    private readonly DataGuardDataSource _dataSource;
    private readonly IOptions<ExportOptions> _options;
    private readonly SubjectExports _formats;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="TableExports"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="options">The export options (redaction).</param>
    /// <param name="formats">The registered formats.</param>
    /// <param name="time">The clock.</param>
    public TableExports(DataGuardDataSource dataSource, IOptions<ExportOptions> options, SubjectExports formats, TimeProvider time)
    {
        _dataSource = dataSource;
        _options = options;
        _formats = formats;
        _time = time;
    }

    /// <summary>Exports a table.</summary>
    /// <param name="table">The table, <c>schema.table</c>.</param>
    /// <param name="format"><c>csv</c>, <c>json</c> or <c>ndjson</c>.</param>
    /// <param name="output">Where; left open.</param>
    /// <param name="redact">Whether the export redaction rules drop columns (default); false exports every column.</param>
    /// <param name="cancellationToken">Cancels the export.</param>
    /// <returns>The columns that were left out.</returns>
    public async Task<IReadOnlyList<string>> ExportAsync(string table, string format, Stream output, bool redact = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var activity = DataGuardActivitySource.StartPersonal("dataguard.export.table");
        activity?.SetTag("dataguard.export.table", table);
        activity?.SetTag("dataguard.export.format", format);
        activity?.SetTag("dataguard.export.redact", redact);
        try
        {
            var redacted = await ExportCoreAsync(table, format, output, redact, activity, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.export.redacted_columns", redacted.Count);
            return redacted;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<IReadOnlyList<string>> ExportCoreAsync(string table, string format, Stream output, bool redact, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        activity.SetDatabase(_dataSource.DataSource);
        var redaction = redact ? _options.Value.Redaction : new RedactionOptions { DenySensitiveNames = false };
        NpgsqlConnection connection;
        PgTable pgTable;
        MappedTable mapped;
        if (string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            // Every column leaving: PostgreSQL's own CSV, copied with blocking calls (BlockingCsvCopy); a connection
            // comes back only when redaction drops columns.
            var copied = await BlockingCsvCopy.RunAsync(_dataSource, table, redaction, output, _time, cancellationToken).ConfigureAwait(false);
            if (copied.Connection is null)
            {
                return copied.Map.Redacted;
            }

            (connection, pgTable, mapped) = (copied.Connection, copied.Table, copied.Map);
        }
        else
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                pgTable = await PgCatalog.FindTableAsync(connection, table, cancellationToken).ConfigureAwait(false)
                    ?? throw new DataGuardException($"The table {table} does not exist.") { Operation = "export" };
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            mapped = SubjectDataMapBuilder.Describe(pgTable, redaction);
        }

        await using var connectionScope = connection.ConfigureAwait(false);
        if (mapped.Columns.Count == 0)
        {
            throw new DataGuardException($"Every column of {table} is redacted; nothing to export.") { Operation = "export" };
        }

        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var utc = new NpgsqlCommand("SET LOCAL TimeZone = 'UTC'", connection, transaction);
        await using (utc.ConfigureAwait(false))
        {
            await utc.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var select = $"SELECT {string.Join(", ", mapped.Columns.Select(c => ExportColumns.Select("t", c)))} FROM {pgTable.Quoted} t";
        var rows = Rows(connection, transaction, select, mapped.Columns, cancellationToken);
        var document = new ExportDocument($"Table export: {pgTable.QualifiedName}", null, _time.GetUtcNow(), [], One(new ExportTable(pgTable.QualifiedName, ExportColumns.Describe(mapped.Columns), rows), cancellationToken));
        switch (format.ToUpperInvariant())
        {
            case "CSV":
                await foreach (var t in document.Tables.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    await CsvTableWriter.WriteAsync(t, output, neutralizeFormulas: false, cancellationToken).ConfigureAwait(false);
                }

                break;
            case "JSON" or "NDJSON":
                await _formats.Format(format).WriteAsync(document, output, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new DataGuardException($"Table exports are csv, json or ndjson (not '{format}').") { Operation = "export" };
        }

        return mapped.Redacted;
    }

    private static IAsyncEnumerable<object?[]> Rows(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, IReadOnlyList<PgColumn> columns, CancellationToken cancellationToken) =>
        ExportColumns.ReadAsync(new NpgsqlCommand(sql, connection, transaction), columns, cancellationToken);

    private static async IAsyncEnumerable<ExportTable> One(ExportTable table, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        yield return table;
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
