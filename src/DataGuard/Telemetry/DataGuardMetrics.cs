using System.Diagnostics.Metrics;

namespace DataGuard.Telemetry;

/// <summary>DataGuard's instruments, on the meter named <c>DataGuard</c>.</summary>
internal sealed class DataGuardMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "DataGuard";

    private readonly Meter _meter;
    private readonly Histogram<double> _backupDuration;
    private readonly Histogram<long> _backupSize;
    private readonly Counter<long> _backupRuns;
    private readonly Counter<long> _retentionRows;
    private long _lastSuccessUnixSeconds;

    /// <summary>Initializes a new instance of the <see cref="DataGuardMetrics"/> class.</summary>
    /// <param name="meterFactory">The host's meter factory, if any.</param>
    public DataGuardMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _backupDuration = _meter.CreateHistogram<double>("dataguard.backup.duration", "s", "Duration of backup runs.");
        _backupSize = _meter.CreateHistogram<long>("dataguard.backup.size", "By", "Stored size of backups.");
        _backupRuns = _meter.CreateCounter<long>("dataguard.backup.runs", "{run}", "Backup runs, tagged by outcome.");
        _retentionRows = _meter.CreateCounter<long>("dataguard.retention.rows", "{row}", "Rows affected by retention, tagged by policy and action.");
        _meter.CreateObservableGauge(
            "dataguard.backup.last_success",
            () => Interlocked.Read(ref _lastSuccessUnixSeconds),
            "s",
            "Unix time of the last successful backup.");
    }

    /// <summary>Records a finished backup run.</summary>
    /// <param name="kind">The backup kind.</param>
    /// <param name="outcome">success, failure or cancelled.</param>
    /// <param name="durationSeconds">How long it took.</param>
    /// <param name="storedSize">The stored size, for a success.</param>
    /// <param name="completedAt">When it ended.</param>
    public void BackupFinished(string kind, string outcome, double durationSeconds, long? storedSize, DateTimeOffset completedAt)
    {
        var kindTag = new KeyValuePair<string, object?>("dataguard.backup.kind", kind);
        _backupRuns.Add(1, kindTag, new KeyValuePair<string, object?>("dataguard.outcome", outcome));
        _backupDuration.Record(durationSeconds, kindTag);
        if (storedSize is { } size)
        {
            _backupSize.Record(size, kindTag);
            Interlocked.Exchange(ref _lastSuccessUnixSeconds, completedAt.ToUnixTimeSeconds());
        }
    }

    /// <summary>Records rows affected by a retention policy.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="action">The action.</param>
    /// <param name="rows">How many rows.</param>
    public void RetentionRows(string policy, string action, long rows) =>
        _retentionRows.Add(rows, new KeyValuePair<string, object?>("dataguard.retention.policy", policy), new KeyValuePair<string, object?>("dataguard.retention.action", action));

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
