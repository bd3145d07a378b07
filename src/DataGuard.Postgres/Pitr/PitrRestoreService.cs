using DataGuard.Pitr;
using System.Formats.Tar;
using System.Globalization;
using System.Text;
using DataGuard.Backup;
using DataGuard.Postgres.Tools;
using DataGuard.Telemetry;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Pitr;

/// <summary>
/// Point-in-time recovery: picks the newest verified base backup before the target, checks its checksum, extracts it
/// into an empty data directory, writes <c>recovery.signal</c> and the recovery settings, and optionally starts the
/// server and waits until recovery reaches the target. A copy is isolated from production's peers unless asked
/// otherwise (<see cref="PitrRestoreRequest.Isolate"/>), and never archives WAL. Recovery to the latest point must reach
/// the end of the archive it was shown, or the restore fails.
/// </summary>
internal sealed class PitrRestoreService
{
    private readonly BackupService _backups;
    private readonly WalArchive _archive;
    private readonly WalArchiveInspector _inspector;
    private readonly RestorePoints _restorePoints;
    private readonly PgToolLocator _tools;
    private readonly IOptions<PostgresOptions> _options;
    private readonly TimeProvider _time;
    private readonly DataGuardMetrics _metrics;

    /// <summary>Initializes a new instance of the <see cref="PitrRestoreService"/> class.</summary>
    /// <param name="backups">The backup service.</param>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="inspector">The WAL archive inspector.</param>
    /// <param name="restorePoints">The restore points.</param>
    /// <param name="tools">The tool locator.</param>
    /// <param name="options">The PostgreSQL options.</param>
    /// <param name="time">The clock (the restore's duration, recovery's deadline).</param>
    /// <param name="metrics">The metrics (restore durations).</param>
    public PitrRestoreService(BackupService backups, WalArchive archive, WalArchiveInspector inspector, RestorePoints restorePoints, PgToolLocator tools, IOptions<PostgresOptions> options, TimeProvider time, DataGuardMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
        _backups = backups;
        _archive = archive;
        _inspector = inspector;
        _restorePoints = restorePoints;
        _tools = tools;
        _options = options;
    }

    /// <summary>Restores to a point in time.</summary>
    /// <param name="request">What to restore, where, and how far.</param>
    /// <param name="progress">Receives progress.</param>
    /// <param name="cancellationToken">Cancels the restore.</param>
    /// <returns>The outcome, with the point recovery actually reached when the server was started.</returns>
    /// <exception cref="PitrRecoveryIncompleteException">Recovery to the latest point stopped before the end of the archive (the copy is stopped).</exception>
    public async Task<PitrRestoreResult> RestoreAsync(PitrRestoreRequest request, IProgress<BackupProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = _time.GetTimestamp();
        using var activity = DataGuardActivitySource.Start("dataguard.pitr.restore");
        activity?.SetTag("dataguard.pitr.target.kind", request.Target.Kind.ToString());
        activity?.SetTag("dataguard.pitr.target", request.Target.ToString());
        activity?.SetTag("dataguard.pitr.start", request.Start);
        activity?.SetTag("dataguard.pitr.isolate", request.Isolate);
        try
        {
            var result = await RestoreCoreAsync(request, progress, started, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("dataguard.backup.id", result.BaseBackupId);
            activity?.SetTag("dataguard.pitr.state", result.State);
            if (result.ReachedLsn is { } lsn)
            {
                activity?.SetTag("dataguard.pitr.reached_lsn", lsn);
            }

            if (request.Start)
            {
                activity.SetDatabase(null, null, request.Port);
            }

            _metrics.RestoreFinished("pitr", "success", _time.GetElapsedTime(started).TotalSeconds);
            return result;
        }
        catch (Exception ex)
        {
            if (ex is DataGuardException { BackupId: { } backupId })
            {
                activity?.SetTag("dataguard.backup.id", backupId);
            }

            activity.Fail(ex);
            _metrics.RestoreFinished("pitr", ex is OperationCanceledException ? "cancelled" : "failure", _time.GetElapsedTime(started).TotalSeconds);
            throw;
        }
    }

    private async Task<PitrRestoreResult> RestoreCoreAsync(PitrRestoreRequest request, IProgress<BackupProgress>? progress, long started, CancellationToken cancellationToken)
    {
        var dataDirectory = Path.GetFullPath(request.DataDirectory);
        if (Directory.Exists(dataDirectory) && Directory.EnumerateFileSystemEntries(dataDirectory).Any())
        {
            throw new RestoreRefusedException($"The data directory {dataDirectory} is not empty; point-in-time restore writes only into an empty or new directory.") { Operation = "pitr.restore" };
        }

        var (baseBackup, restorePoint) = await ChooseBaseBackupAsync(request.Target, cancellationToken).ConfigureAwait(false);
        var status = await RefuseGapsAsync(baseBackup, request.Target, restorePoint, cancellationToken).ConfigureAwait(false);
        var archiveEnd = request.Target.Kind == PitrTargetKind.Latest ? await ArchiveEndAsync(baseBackup, status, cancellationToken).ConfigureAwait(false) : null;
        CreateDataDirectory(dataDirectory);
        var archive = await _backups.OpenVerifiedArchiveAsync(baseBackup, progress, cancellationToken).ConfigureAwait(false);
        await using (archive.ConfigureAwait(false))
        {
            progress?.Report(new BackupProgress("extract", 0, baseBackup.RawSize));
            await TarFile.ExtractToDirectoryAsync(archive, dataDirectory, overwriteFiles: false, cancellationToken).ConfigureAwait(false);
        }

        var pgCtl = request.Isolate || request.Start ? await _tools.FindAsync("pg_ctl", cancellationToken).ConfigureAwait(false) : null;
        await WriteRecoverySettingsAsync(dataDirectory, request, restorePoint, cancellationToken).ConfigureAwait(false);
        await ServerUser.TakeOwnershipAsync(dataDirectory, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string>? isolation = null;
        if (request.Isolate)
        {
            var (settings, summary) = await CloneIsolation.SettingsAsync(pgCtl!, dataDirectory, cancellationToken).ConfigureAwait(false);
            await File.AppendAllTextAsync(Path.Combine(dataDirectory, "postgresql.auto.conf"), settings, cancellationToken).ConfigureAwait(false);
            isolation = summary;
        }

        if (!request.Start)
        {
            return new PitrRestoreResult(baseBackup.Id, dataDirectory, request.Target.ToString(), false, null, null, "not started", _time.GetElapsedTime(started).TotalSeconds) { ArchiveEnd = archiveEnd };
        }

        var server = new RecoveringServer(pgCtl!, dataDirectory, _options.Value.ConnectionString!, request.Port, _time);
        var (lsn, time, state) = await server.StartAndWaitAsync(request.Promote, request.WaitTimeout, cancellationToken).ConfigureAwait(false);
        var reachedSegment = lsn is null ? null : SegmentOf(lsn, archiveEnd?[..8] ?? Timeline(baseBackup.Wal!.Timeline));
        if (archiveEnd is not null && reachedSegment is not null && state == "promoted"
            && WalSegmentNumbers.Of(reachedSegment, _inspector.SegmentSize) < WalSegmentNumbers.Of(archiveEnd, _inspector.SegmentSize))
        {
            await server.StopAsync().ConfigureAwait(false);
            throw new PitrRecoveryIncompleteException(
                $"Recovery stopped early: recovered to LSN {lsn} (segment {reachedSegment}), archive ends at {archiveEnd}. PostgreSQL ended recovery there and opened a copy without the WAL that follows (see {server.LogFile}); the copy was stopped: do not use {dataDirectory} as a primary. Find out why the next segment was reported missing, then restore again into an empty directory.")
            {
                Operation = "pitr.restore",
                BackupId = baseBackup.Id,
                ReachedLsn = lsn,
                ReachedSegment = reachedSegment,
                ArchiveEnd = archiveEnd,
            };
        }

        var isolated = isolation is null ? null : await CloneIsolation.IsolateRunningAsync(server.Connection, isolation, state == "promoted", cancellationToken).ConfigureAwait(false);
        return new PitrRestoreResult(baseBackup.Id, dataDirectory, request.Target.ToString(), true, lsn, time, state, _time.GetElapsedTime(started).TotalSeconds)
        {
            ReachedSegment = reachedSegment,
            ArchiveEnd = archiveEnd,
            Isolation = isolated,
        };
    }

    /// <summary>The data directory is 0700 before the first file lands in it: it holds the whole cluster (PostgreSQL requires that mode too). Its parents are made as usual, for the server's user to reach it.</summary>
    private static void CreateDataDirectory(string dataDirectory)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(dataDirectory)!);
        DataGuard.IO.PrivateFiles.CreateDirectory(dataDirectory);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dataDirectory, DataGuard.IO.PrivateFiles.OwnerDirectory);
        }
    }

    private static string Timeline(int timeline) => timeline.ToString("X8", CultureInfo.InvariantCulture);

    /// <summary>The segment that holds the last byte replayed (the end of a WAL switch is the next segment's first byte).</summary>
    private string SegmentOf(string lsn, string timeline) =>
        WalSegmentNumbers.Name(timeline, WalSegmentNumbers.OfLsn(Math.Max(Lsn.Parse(lsn), 1) - 1, _inspector.SegmentSize), _inspector.SegmentSize);

    /// <summary>
    /// The newest archived segment recovery to the latest point must reach: on the newest timeline it follows from the
    /// base backup's (recovery_target_timeline = 'latest' follows each next timeline whose history file is archived).
    /// </summary>
    private async Task<string?> ArchiveEndAsync(BackupManifest baseBackup, WalArchiveStatus status, CancellationToken cancellationToken)
    {
        var first = baseBackup.Wal!.Timeline;
        var newest = first;
        while (await _archive.ContainsAsync($"{Timeline(newest + 1)}.history", cancellationToken).ConfigureAwait(false))
        {
            newest++;
        }

        for (var timeline = newest; timeline >= first; timeline--)
        {
            if (status.Timelines.FirstOrDefault(t => t.Timeline == Timeline(timeline)) is { } archived)
            {
                return archived.Last;
            }
        }

        return null;
    }

    private async Task<WalArchiveStatus> RefuseGapsAsync(BackupManifest baseBackup, PitrTarget target, RestorePoint? point, CancellationToken cancellationToken)
    {
        var status = await _inspector.InspectAsync(cancellationToken).ConfigureAwait(false);
        var timeline = Timeline(baseBackup.Wal!.Timeline);
        var size = _inspector.SegmentSize;
        var from = WalSegmentNumbers.OfLsn(Lsn.Parse(baseBackup.Wal.StartLsn), size);
        ulong? until = target.Kind switch
        {
            PitrTargetKind.Lsn => WalSegmentNumbers.OfLsn(Lsn.Parse(target.Value!), size),
            PitrTargetKind.Name => WalSegmentNumbers.OfLsn(Lsn.Parse(point!.Lsn), size),
            _ => null,
        };
        var gap = status.Timelines.Where(t => t.Timeline == timeline).SelectMany(t => t.Gaps)
            .FirstOrDefault(g => WalSegmentNumbers.Of(g.To, size) >= from && (until is null || WalSegmentNumbers.Of(g.From, size) <= until));
        if (gap is not null)
        {
            throw new DataGuardException(
                $"WAL segment {gap.From} is missing from the archive{(gap.Count > 1 ? $" ({gap.Count} segments, to {gap.To})" : string.Empty)}: recovery from base backup {baseBackup.Id} to {target} cannot pass it. Restore to an LSN before it, or from a newer base backup. Nothing was written.")
            {
                Operation = "pitr.restore",
                BackupId = baseBackup.Id,
            };
        }

        return status;
    }

    private static async Task WriteRecoverySettingsAsync(string dataDirectory, PitrRestoreRequest request, RestorePoint? restorePoint, CancellationToken cancellationToken)
    {
        var settings = new StringBuilder()
            .AppendLine()
            .AppendLine("# Added by dataguard pitr restore")
            .AppendLine(CultureInfo.InvariantCulture, $"restore_command = {PgIdentifiers.ConfValue(request.RestoreCommand)}")
            .AppendLine("archive_mode = 'off'  # this copy must not archive into the source's WAL archive; turn it back on if it becomes the primary");
        switch (request.Target.Kind)
        {
            case PitrTargetKind.Time:
                settings.AppendLine(CultureInfo.InvariantCulture, $"recovery_target_time = {PgIdentifiers.ConfValue(request.Target.Time!.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00")}");
                break;
            case PitrTargetKind.Lsn:
                settings.AppendLine(CultureInfo.InvariantCulture, $"recovery_target_lsn = {PgIdentifiers.ConfValue(request.Target.Value!)}");
                break;
            case PitrTargetKind.Name:
                settings.AppendLine(CultureInfo.InvariantCulture, $"recovery_target_name = {PgIdentifiers.ConfValue(restorePoint!.Name)}");
                break;
        }

        if (request.Target.Kind != PitrTargetKind.Latest)
        {
            settings.AppendLine(CultureInfo.InvariantCulture, $"recovery_target_action = {PgIdentifiers.ConfValue(request.Promote ? "promote" : "pause")}");
        }

        if (request.Port is { } port)
        {
            settings.AppendLine(CultureInfo.InvariantCulture, $"port = {port}");
        }

        await File.AppendAllTextAsync(Path.Combine(dataDirectory, "postgresql.auto.conf"), settings.ToString(), cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(dataDirectory, "recovery.signal"), string.Empty, cancellationToken).ConfigureAwait(false);
    }

    private async Task<(BackupManifest Backup, RestorePoint? Point)> ChooseBaseBackupAsync(PitrTarget target, CancellationToken cancellationToken)
    {
        RestorePoint? point = null;
        if (target.Kind == PitrTargetKind.Name)
        {
            point = await _restorePoints.FindAsync(target.Value!, cancellationToken).ConfigureAwait(false)
                ?? throw new DataGuardException($"No restore point named '{target.Value}' is recorded (see 'dataguard pitr mark').") { Operation = "pitr.restore" };
        }

        var catalog = await _backups.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
        var candidates = catalog.Backups.Where(b => b.Kind == "physical" && b.Status == BackupStatus.Verified && b.Wal is not null);
        Func<BackupManifest, bool> before = target.Kind switch
        {
            PitrTargetKind.Time => b => b.CompletedAt < target.Time!.Value,
            PitrTargetKind.Lsn => b => Lsn.Parse(b.Wal!.StopLsn) <= Lsn.Parse(target.Value!),
            PitrTargetKind.Name => b => Lsn.Parse(b.Wal!.StopLsn) <= Lsn.Parse(point!.Lsn),
            _ => _ => true,
        };
        var chosen = candidates.FirstOrDefault(before)
            ?? throw new DataGuardException($"No verified base backup ends before {target}; the earliest point this archive can restore to is the end of its oldest base backup.") { Operation = "pitr.restore" };
        return (chosen, point);
    }
}
