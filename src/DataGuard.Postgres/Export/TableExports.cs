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
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        activity.SetDatabase(connection);
        var pgTable = await PgCatalog.FindTableAsync(connection, table, cancellationToken).ConfigureAwait(false)
            ?? throw new DataGuardException($"The table {table} does not exist.") { Operation = "export" };
        var redaction = redact ? _options.Value.Redaction : new RedactionOptions { DenySensitiveNames = false };
        var mapped = SubjectDataMapBuilder.Describe(pgTable, redaction);
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
            case "CSV" when mapped.Redacted.Count == 0:
                await CopyCsvAsync(connection, pgTable, output, cancellationToken).ConfigureAwait(false);
                break;
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

    private static async Task CopyCsvAsync(NpgsqlConnection connection, PgTable table, Stream output, CancellationToken cancellationToken)
    {
        // PostgreSQL writes the CSV, in the connection's client encoding (UTF-8, which Npgsql always asks for).
        var copy = await connection.BeginTextExportAsync($"COPY {table.Quoted} TO STDOUT (FORMAT csv, HEADER)", cancellationToken).ConfigureAwait(false);
        using var copyScope = copy;
        if (copy is StreamReader { BaseStream: { CanRead: true } raw })
        {
            // Its bytes pass through untouched (no decoding to text and encoding back), many rows per write: the
            // reader's own buffer was never used, so nothing is skipped.
            await PassThroughAsync(raw, output, cancellationToken).ConfigureAwait(false);
            return;
        }

        var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        await using var writerScope = writer.ConfigureAwait(false);
        var buffer = new char[32 * 1024];
        int read;
        while ((read = await copy.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await writer.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies COPY's data stream (one row per read) to the output in writes of up to 256 KiB.</summary>
    internal static async Task PassThroughAsync(Stream copy, Stream output, CancellationToken cancellationToken)
    {
        const int Size = 256 * 1024;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(Size);
        try
        {
            var ended = false;
            while (!ended)
            {
                var filled = 0;
                while (filled < Size - (16 * 1024))
                {
                    var read = await copy.ReadAsync(buffer.AsMemory(filled, Size - filled), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        ended = true;
                        break;
                    }

                    filled += read;
                }

                if (filled > 0)
                {
                    await output.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
