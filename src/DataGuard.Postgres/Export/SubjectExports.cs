using System.Globalization;
using DataGuard.Export;
using DataGuard.Postgres.Retention;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Export;

/// <summary>Exports one subject's data: builds the <see cref="SubjectDataMap"/> and opens <see cref="SubjectSnapshot"/>s to write it in any registered format.</summary>
internal sealed class SubjectExports
{
    private readonly DataGuardDataSource _dataSource;
    private readonly IOptions<ExportOptions> _options;
    private readonly IOptions<RetentionOptions> _retention;
    private readonly IEnumerable<IExporter> _exporters;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="SubjectExports"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="options">The export options.</param>
    /// <param name="retention">The retention options (each kind of data's retention period goes into the export).</param>
    /// <param name="exporters">The formats.</param>
    /// <param name="time">The clock.</param>
    public SubjectExports(DataGuardDataSource dataSource, IOptions<ExportOptions> options, IOptions<RetentionOptions> retention, IEnumerable<IExporter> exporters, TimeProvider time)
    {
        _dataSource = dataSource;
        _options = options;
        _retention = retention;
        _exporters = exporters;
        _time = time;
    }

    /// <summary>Finds a format by name (json, csv, pdf, ...).</summary>
    /// <param name="format">The format's name.</param>
    /// <returns>The exporter.</returns>
    public IExporter Format(string format) =>
        _exporters.LastOrDefault(e => string.Equals(e.Format, format, StringComparison.OrdinalIgnoreCase))
        ?? throw new DataGuardException($"Unknown export format '{format}'; known: {string.Join(", ", _exporters.Select(e => e.Format))}.") { Operation = "export" };

    /// <summary>Builds the subject data map from the catalog and the configuration.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The map.</returns>
    public async Task<SubjectDataMap> MapAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        return await SubjectDataMapBuilder.BuildAsync(connection, _options.Value, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Counts the rows each probable link of <paramref name="map"/> would add for one sample subject (the given one, or the subject with the smallest key).</summary>
    /// <param name="map">The map.</param>
    /// <param name="sample">The sample subject's key, or <see langword="null"/> for the smallest.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The sample's key (<see langword="null"/> when there is no subject at all) and the row count of each probable link, in order.</returns>
    public async Task<(string? Sample, IReadOnlyList<long> Rows)> ProbableLinkRowsAsync(SubjectDataMap map, string? sample, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.ProbableLinks.Count == 0)
        {
            return (sample, []);
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var key = PgIdentifiers.Quote(map.Key.Name);
        if (sample is null)
        {
            var first = new NpgsqlCommand($"SELECT t.{key}::text FROM {map.Subject.Quoted} t WHERE t.{key} IS NOT NULL ORDER BY t.{key} LIMIT 1", connection, transaction);
            await using (first.ConfigureAwait(false))
            {
                sample = await first.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            }

            if (sample is null)
            {
                return (null, []);
            }
        }

        var rows = new List<long>();
        foreach (var link in map.ProbableLinks)
        {
            rows.Add(await ScalarAsync<long>(connection, transaction, $"SELECT count(*) FROM {link.Table.Quoted} t WHERE t.{PgIdentifiers.Quote(link.Column.Name)} = @subject::{map.Key.BaseType}", sample, cancellationToken).ConfigureAwait(false));
        }

        return (sample, rows);
    }

    /// <summary>Freezes a subject's data in a snapshot, after checking that the subject exists.</summary>
    /// <param name="subject">The subject's key, as text (cast to the key column's type by PostgreSQL).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The snapshot; dispose it.</returns>
    /// <exception cref="SubjectNotFoundException">No subject has that key.</exception>
    /// <exception cref="DataGuardException">The key is not of the key column's type.</exception>
    public async Task<SubjectSnapshot> OpenAsync(string subject, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);

        // The subject's key is personal data: never a tag; failures withhold their messages (they quote the key).
        using var activity = DataGuardActivitySource.StartPersonal("dataguard.export.subject");
        try
        {
            var snapshot = await OpenCoreAsync(subject, activity, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.export.tables", snapshot.Summary.Count);
            activity?.SetTag("dataguard.export.rows", snapshot.Summary.Sum(s => s.Rows));
            return snapshot;
        }
        catch (Exception ex)
        {
            activity.Fail(ex);
            throw;
        }
    }

    private async Task<SubjectSnapshot> OpenCoreAsync(string subject, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        activity.SetDatabase(connection);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
            var snapshotId = await ScalarAsync<string>(connection, transaction, "SET LOCAL TimeZone = 'UTC'; SELECT pg_export_snapshot()", null, cancellationToken).ConfigureAwait(false);
            var takenAt = _time.GetUtcNow();
            var map = await SubjectDataMapBuilder.BuildAsync(connection, _options.Value, cancellationToken).ConfigureAwait(false);
            ExportRefusedException.ThrowIfIncomplete(map, _options.Value);
            await RequireSubjectAsync(connection, transaction, map, subject, cancellationToken).ConfigureAwait(false);
            var summary = new List<ExportTableSummary>();
            foreach (var table in map.Tables)
            {
                foreach (var part in table.Parts)
                {
                    var rows = await ScalarAsync<long>(connection, transaction, SubjectSql.Count(map, table, part), subject, cancellationToken).ConfigureAwait(false);
                    summary.Add(new ExportTableSummary(part.Table.QualifiedName, rows, RetentionOf(part.Table.QualifiedName) ?? RetentionOf(table.Table.QualifiedName)));
                }
            }

            var snapshot = new SubjectSnapshot(connection, transaction, snapshotId, _dataSource, map, subject, takenAt, summary);
            connection = null!;
            return snapshot;
        }
        finally
        {
            if (connection is not null)
            {
                if (transaction is not null)
                {
                    await transaction.DisposeAsync().ConfigureAwait(false);
                }

                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Checks that a subject exists.</summary>
    /// <param name="subject">The subject's key.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The subject's key in its canonical spelling (the stored key as text); fails with <see cref="SubjectNotFoundException"/> or, for a key of the wrong type, <see cref="DataGuardException"/>.</returns>
    public Task<string> RequireSubjectAsync(string subject, CancellationToken cancellationToken = default) => RequireSubjectAsync(subject, forExport: false, cancellationToken);

    /// <summary>Checks that a subject exists and, for an export under <c>Export:Strict</c>, that the map has no probable links.</summary>
    /// <param name="subject">The subject's key.</param>
    /// <param name="forExport">Whether the subject is about to be exported (strict mode applies).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The subject's key in its canonical spelling (the stored key as text: <c>01</c> and <c>+1</c> are <c>1</c> for an integer key, a uuid is lower case); fails with <see cref="SubjectNotFoundException"/>, <see cref="ExportRefusedException"/> or, for a key of the wrong type, <see cref="DataGuardException"/>.</returns>
    public async Task<string> RequireSubjectAsync(string subject, bool forExport, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var map = await SubjectDataMapBuilder.BuildAsync(connection, _options.Value, cancellationToken).ConfigureAwait(false);
        if (forExport)
        {
            ExportRefusedException.ThrowIfIncomplete(map, _options.Value);
        }

        return await RequireSubjectAsync(connection, transaction, map, subject, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether two spellings of a subject key name the same stored subject (<c>1</c>, <c>01</c> and <c>+1</c> for an
    /// integer key; <c>Alice</c> and <c>alice</c> under a case-insensitive collation): each is looked up in the subject
    /// table, as an export would look it up, and the stored keys are compared. A spelling that is not a value of the key
    /// type, or names no stored subject, names no subject.
    /// </summary>
    /// <param name="subject">One spelling.</param>
    /// <param name="other">The other.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Whether both name the same stored subject.</returns>
    public async Task<bool> SameSubjectAsync(string subject, string other, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(other);
        if (string.Equals(subject, other, StringComparison.Ordinal))
        {
            return true;
        }

        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);
        var map = await SubjectDataMapBuilder.BuildAsync(connection, _options.Value, cancellationToken).ConfigureAwait(false);
        try
        {
            var first = await RequireSubjectAsync(connection, transaction, map, subject, cancellationToken).ConfigureAwait(false);
            var second = await RequireSubjectAsync(connection, transaction, map, other, cancellationToken).ConfigureAwait(false);
            return string.Equals(first, second, StringComparison.Ordinal);
        }
        catch (DataGuardException ex) when (ex is SubjectKeyInvalidException or SubjectNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Checks that a subject exists and returns its key as stored (the canonical spelling: PostgreSQL parses the given one as the key column's type).</summary>
    private static async Task<string> RequireSubjectAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, SubjectDataMap map, string subject, CancellationToken cancellationToken)
    {
        var key = PgIdentifiers.Quote(map.Key.Name);
        // Cast to the type without its modifier: a cast to varchar(8), char(8) or numeric(10,2) silently truncates or
        // rounds, which made a longer claim ("alice123-mallory") name another subject ("alice123").
        var sql = $"SELECT t.{key}::text FROM {map.Subject.Quoted} t WHERE t.{key} = @subject::{map.Key.BaseType} ORDER BY 1 LIMIT 1";
        string? canonical;
        try
        {
            canonical = await ScalarAsync<object?>(connection, transaction, sql, subject, cancellationToken).ConfigureAwait(false) as string;
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            throw new SubjectKeyInvalidException($"The subject key '{subject}' is not a valid {map.Key.Type} ({map.Subject.QualifiedName}.{map.Key.Name}): {ex.SqlState}.", ex);
        }

        return canonical
            ?? throw new SubjectNotFoundException($"No subject {map.Subject.QualifiedName}.{map.Key.Name} = '{subject}'; nothing was exported.") { Operation = "export" };
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string? subject, CancellationToken cancellationToken)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        await using var commandScope = command.ConfigureAwait(false);
        if (subject is not null)
        {
            command.Parameters.AddWithValue("subject", subject);
        }

        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is DBNull ? default! : (T)value!;
    }

    /// <summary>The retention period of a kind of data, in words, from the retention policies of its table.</summary>
    private string? RetentionOf(string table)
    {
        var policies = _retention.Value.Policies.Where(p => p.Table == table).ToList();
        return policies.Count == 0
            ? null
            : string.Join("; ", policies.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.MaxAge.TotalDays:0.#} days after {p.TimestampColumn}, then {Describe(p.Action)}")));
    }

    private static string Describe(DataGuard.Retention.RetentionAction action) => action switch
    {
        DataGuard.Retention.RetentionAction.Anonymize => "anonymized",
        DataGuard.Retention.RetentionAction.ArchiveThenDelete => "archived and deleted",
        DataGuard.Retention.RetentionAction.DropPartitions => "deleted",
        _ => "deleted",
    };
}
