using System.Diagnostics.Metrics;

namespace DataGuard.Telemetry;

/// <summary>
/// DataGuard's instruments, on the meter named <c>DataGuard</c> (a host exports them with OpenTelemetry's
/// <c>AddMeter("DataGuard")</c>). Names, units and tags are listed in docs/operations.md; no tag carries personal data.
/// </summary>
internal sealed class DataGuardMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "DataGuard";

    private const string Outcome = "dataguard.outcome";
    private readonly Meter _meter;
    private readonly Histogram<double> _backupDuration;
    private readonly Histogram<long> _backupSize;
    private readonly Counter<long> _backupRuns;
    private readonly Counter<long> _retentionRows;
    private readonly Counter<long> _backupVerifications;
    private readonly Histogram<double> _backupVerifyDuration;
    private readonly Counter<long> _backupPruned;
    private readonly Histogram<double> _restoreDuration;
    private readonly Histogram<double> _walPushDuration;
    private readonly Counter<long> _walPushed;
    private readonly Counter<long> _walPushedSize;
    private readonly Histogram<double> _walFetchDuration;
    private readonly Counter<long> _walFetches;
    private readonly Counter<long> _exportJobs;
    private readonly Histogram<double> _exportRequestToReady;
    private readonly Histogram<long> _exportArtifactSize;
    private readonly Histogram<double> _retentionBatchDuration;
    private readonly Counter<long> _retentionRowsSkipped;
    private readonly Counter<long> _retentionPolicyRuns;
    private readonly Counter<long> _migrationSteps;
    private readonly Histogram<double> _migrationDuration;
    private readonly Counter<long> _drillRuns;
    private readonly Histogram<double> _drillRto;
    private readonly Histogram<double> _drillRpo;
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
        _backupVerifications = _meter.CreateCounter<long>("dataguard.backup.verifications", "{verification}", "Verifications of stored backups, tagged by outcome (passed, failed).");
        _backupVerifyDuration = _meter.CreateHistogram<double>("dataguard.backup.verify.duration", "s", "Duration of backup verifications.");
        _backupPruned = _meter.CreateCounter<long>("dataguard.backup.pruned", "{backup}", "Backups deleted by retention (prune).");
        _restoreDuration = _meter.CreateHistogram<double>("dataguard.restore.duration", "s", "Duration of restores (logical, or point-in-time), tagged by outcome.");
        _walPushDuration = _meter.CreateHistogram<double>("dataguard.wal.push.duration", "s", "Duration of WAL pushes (archive_command), tagged by outcome (archived, already_archived, failed).");
        _walPushed = _meter.CreateCounter<long>("dataguard.wal.pushed", "{file}", "WAL files archived (archived, or already_archived with the same content).");
        _walPushedSize = _meter.CreateCounter<long>("dataguard.wal.pushed.size", "By", "Stored bytes of newly archived WAL files.");
        _walFetchDuration = _meter.CreateHistogram<double>("dataguard.wal.fetch.duration", "s", "Duration of WAL fetches (restore_command), tagged by outcome (fetched, not_found, failed).");
        _walFetches = _meter.CreateCounter<long>("dataguard.wal.fetches", "{file}", "WAL fetches, tagged by outcome (fetched, not_found, failed).");
        _exportJobs = _meter.CreateCounter<long>("dataguard.export.jobs", "{job}", "Export job attempts finished, tagged by outcome (ready, retry, failed, lost_claim, cancelled).");
        _exportRequestToReady = _meter.CreateHistogram<double>("dataguard.export.request_to_ready", "s", "Time from an export's request to its artifacts being ready.");
        _exportArtifactSize = _meter.CreateHistogram<long>("dataguard.export.artifact.size", "By", "Size of export artifacts, tagged by format.");
        _retentionBatchDuration = _meter.CreateHistogram<double>("dataguard.retention.batch.duration", "s", "Duration of retention batches (one transaction each), tagged by policy.");
        _retentionRowsSkipped = _meter.CreateCounter<long>("dataguard.retention.rows.skipped", "{row}", "Expired rows retention could not act on and left for the next run, tagged by policy.");
        _retentionPolicyRuns = _meter.CreateCounter<long>("dataguard.retention.policy.runs", "{run}", "Retention policy runs (not dry runs), tagged by policy and outcome (success, failure).");
        _migrationSteps = _meter.CreateCounter<long>("dataguard.migration.steps", "{step}", "Migration steps, tagged by direction (up, down) and outcome (succeeded, failed, cancelled).");
        _migrationDuration = _meter.CreateHistogram<double>("dataguard.migration.duration", "s", "Duration of migration steps, tagged by direction and outcome.");
        _drillRuns = _meter.CreateCounter<long>("dataguard.drill.runs", "{run}", "Restore drills, tagged by kind (logical, physical) and outcome (passed, failed).");
        _drillRto = _meter.CreateHistogram<double>("dataguard.drill.rto", "s", "Recovery time measured by restore drills.");
        _drillRpo = _meter.CreateHistogram<double>("dataguard.drill.rpo", "s", "Recovery point measured by restore drills: the age of the data restored.");
    }

    /// <summary>Gets the meter (tests listen to this instance only).</summary>
    internal Meter Meter => _meter;

    /// <summary>Records a finished backup run.</summary>
    /// <param name="kind">The backup kind.</param>
    /// <param name="outcome">success, failure or cancelled.</param>
    /// <param name="durationSeconds">How long it took.</param>
    /// <param name="storedSize">The stored size, for a success.</param>
    /// <param name="completedAt">When it ended.</param>
    public void BackupFinished(string kind, string outcome, double durationSeconds, long? storedSize, DateTimeOffset completedAt)
    {
        var kindTag = new KeyValuePair<string, object?>("dataguard.backup.kind", kind);
        var outcomeTag = new KeyValuePair<string, object?>(Outcome, outcome);
        _backupRuns.Add(1, kindTag, outcomeTag);
        _backupDuration.Record(durationSeconds, kindTag, outcomeTag);
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

    /// <param name="kind">The backup's kind.</param>
    /// <param name="passed">Whether it passed.</param>
    /// <param name="seconds">How long it took: a full read back (mode <c>read_back</c>), or what it added after the write (<c>while_writing</c>).</param>
    /// <param name="mode"><c>read_back</c> or <c>while_writing</c>.</param>
    internal void BackupVerified(string kind, bool passed, double seconds, string mode)
    {
        var tags = Tags(("dataguard.backup.kind", kind), (Outcome, passed ? "passed" : "failed"), ("dataguard.backup.verify.mode", mode));
        _backupVerifications.Add(1, tags);
        _backupVerifyDuration.Record(seconds, tags);
    }

    internal void BackupsPruned(int count)
    {
        if (count > 0)
        {
            _backupPruned.Add(count);
        }
    }

    internal void RestoreFinished(string kind, string outcome, double seconds) =>
        _restoreDuration.Record(seconds, Tags(("dataguard.restore.kind", kind), (Outcome, outcome)));

    internal void WalPushed(string outcome, double seconds, long storedBytes)
    {
        var tags = Tags((Outcome, outcome));
        _walPushDuration.Record(seconds, tags);
        if (outcome != "failed")
        {
            _walPushed.Add(1, tags);
        }

        if (outcome == "archived")
        {
            _walPushedSize.Add(storedBytes);
        }
    }

    internal void WalFetched(string outcome, double seconds)
    {
        var tags = Tags((Outcome, outcome));
        _walFetchDuration.Record(seconds, tags);
        _walFetches.Add(1, tags);
    }

    internal void ExportJobFinished(string outcome, double? requestToReadySeconds)
    {
        _exportJobs.Add(1, Tags((Outcome, outcome)));
        if (requestToReadySeconds is { } seconds)
        {
            _exportRequestToReady.Record(seconds);
        }
    }

    internal void ExportArtifact(string format, long bytes) =>
        _exportArtifactSize.Record(bytes, Tags(("dataguard.export.format", format)));

    internal void RetentionBatch(string policy, double seconds) =>
        _retentionBatchDuration.Record(seconds, Tags(("dataguard.retention.policy", policy)));

    internal void RetentionSkipped(string policy, long rows)
    {
        if (rows > 0)
        {
            _retentionRowsSkipped.Add(rows, Tags(("dataguard.retention.policy", policy)));
        }
    }

    internal void RetentionPolicyFinished(string policy, bool succeeded) =>
        _retentionPolicyRuns.Add(1, Tags(("dataguard.retention.policy", policy), (Outcome, succeeded ? "success" : "failure")));

    internal void MigrationStep(string direction, string outcome, double seconds)
    {
        var tags = Tags(("dataguard.migration.direction", direction), (Outcome, outcome));
        _migrationSteps.Add(1, tags);
        _migrationDuration.Record(seconds, tags);
    }

    internal void DrillFinished(string kind, bool passed, double? rtoSeconds, double? rpoSeconds)
    {
        var kindTag = Tags(("dataguard.drill.kind", kind));
        _drillRuns.Add(1, Tags(("dataguard.drill.kind", kind), (Outcome, passed ? "passed" : "failed")));
        if (rtoSeconds is { } rto)
        {
            _drillRto.Record(rto, kindTag);
        }

        if (rpoSeconds is { } rpo)
        {
            _drillRpo.Record(rpo, kindTag);
        }
    }

    private static System.Diagnostics.TagList Tags(params ReadOnlySpan<(string Key, string Value)> tags)
    {
        var list = default(System.Diagnostics.TagList);
        foreach (var (key, value) in tags)
        {
            list.Add(key, value);
        }

        return list;
    }
}
