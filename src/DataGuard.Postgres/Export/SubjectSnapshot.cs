using System.Runtime.CompilerServices;
using DataGuard.Export;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>
/// One subject's data frozen in a REPEATABLE READ snapshot (exported with <c>pg_export_snapshot</c>), so that
/// every format written from it shows the same rows. Holds a connection and a transaction open: dispose it.
/// </summary>
internal sealed class SubjectSnapshot : IAsyncDisposable
{
    private readonly NpgsqlConnection _holder;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _snapshotId;
    private readonly DataGuardDataSource _dataSource;
    private readonly SubjectDataMap _map;

    internal SubjectSnapshot(NpgsqlConnection holder, NpgsqlTransaction transaction, string snapshotId, DataGuardDataSource dataSource, SubjectDataMap map, string subject, DateTimeOffset takenAt, IReadOnlyList<ExportTableSummary> summary)
    {
        _holder = holder;
        _transaction = transaction;
        _snapshotId = snapshotId;
        _dataSource = dataSource;
        _map = map;
        Subject = subject;
        TakenAt = takenAt;
        Summary = summary;
    }

    /// <summary>Gets the subject's key.</summary>
    public string Subject { get; }

    /// <summary>Gets when the snapshot was taken.</summary>
    public DateTimeOffset TakenAt { get; }

    /// <summary>Gets each mapped table with the subject's row count in it (and its retention period).</summary>
    public IReadOnlyList<ExportTableSummary> Summary { get; }

    /// <summary>Writes the subject's data in one format.</summary>
    /// <param name="exporter">The format.</param>
    /// <param name="output">Where.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>What the format could not show (the PDF: characters no font has), for the CLI's output and the job's manifest; empty when nothing.</returns>
    public async Task<IReadOnlyList<string>> WriteAsync(IExporter exporter, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(exporter);
        using var activity = DataGuard.Telemetry.DataGuardActivitySource.StartPersonal("dataguard.export.write");
        activity?.SetTag("dataguard.export.format", exporter.Format);
        activity?.SetTag("dataguard.export.tables", Summary.Count);
        activity?.SetTag("dataguard.export.rows", Summary.Sum(s => s.Rows));
        try
        {
            return await WriteCoreAsync(exporter, output, activity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            DataGuard.Telemetry.DataGuardActivityExtensions.Fail(activity, ex);
            throw;
        }
    }

    private async Task<IReadOnlyList<string>> WriteCoreAsync(IExporter exporter, Stream output, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        activity.SetDatabase(connection);
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var setup = new NpgsqlCommand($"SET TRANSACTION SNAPSHOT {PgIdentifiers.Literal(_snapshotId)}; SET LOCAL TimeZone = 'UTC'", connection, transaction);
        await using (setup.ConfigureAwait(false))
        {
            await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var document = new ExportDocument($"Personal data export: {_map.Subject.QualifiedName} {Subject}", Subject, TakenAt, Summary, TablesAsync(connection, transaction, cancellationToken))
        {
            NeutralizeFormulas = true,
            Coverage = _map.Coverage.Select(c => new ExportCoverageEntry(c.Table, c.StatusName, c.Detail)).ToList(),
        };
        if (exporter is IReportingExporter reporting)
        {
            return await reporting.WriteReportingAsync(document, output, cancellationToken).ConfigureAwait(false);
        }

        await exporter.WriteAsync(document, output, cancellationToken).ConfigureAwait(false);
        return [];
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync().ConfigureAwait(false);
        await _holder.DisposeAsync().ConfigureAwait(false);
    }

    private async IAsyncEnumerable<ExportTable> TablesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var (table, part) in _map.Tables.SelectMany(t => t.Parts.Select(p => (t, p))))
        {
            var command = new NpgsqlCommand(SubjectSql.Select(_map, table, part), connection, transaction);
            command.Parameters.AddWithValue("subject", Subject);
            yield return new ExportTable(part.Table.QualifiedName, ExportColumns.Describe(part.Columns), ExportColumns.ReadAsync(command, part.Columns, cancellationToken));
            await Task.CompletedTask.ConfigureAwait(false);
        }
    }
}
