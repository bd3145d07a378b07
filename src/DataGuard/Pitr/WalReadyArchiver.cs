using DataGuard.IO;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Pitr;

/// <summary>
/// Look-ahead WAL archiving (as pgBackRest's asynchronous archive-push): the resident archiver
/// (<c>dataguard wal archiver --pg-data DIR --spool RECORDS</c>) pushes the files PostgreSQL has marked ready for
/// archiving (<c>pg_wal/archive_status/*.ready</c>) straight from <c>pg_wal</c>, in parallel and ahead of PostgreSQL's own
/// archiver, and once a file is durable in storage records the version it pushed (inode, modification and change times, size)
/// under the file's name (with <see cref="RecordSuffix"/>) in the records folder. <c>archive_command</c> (<see cref="ArchiveCommand"/>) only waits for a
/// record matching the file PostgreSQL hands it: PostgreSQL counts a segment archived only when it is in storage, and no
/// segment is written to local disk a second time (the spool's copy, <see cref="WalSpoolArchiver"/>).
/// PostgreSQL never recycles or removes a segment marked ready, so reading it from <c>pg_wal</c> is safe.
/// </summary>
internal sealed class WalReadyArchiver
{
    /// <summary>
    /// The suffix of a record (<c>000000010000000000000007.pushed</c>): never a name PostgreSQL archives, so the spool
    /// archiver never takes a record for WAL, and this archiver removes only its own records, never a spooled segment.
    /// </summary>
    internal const string RecordSuffix = ".pushed";

    /// <summary>The suffix of the last failure of a file's push (<c>000000010000000000000007.error</c>), which archive_command reports when it gives up.</summary>
    internal const string ErrorSuffix = ".error";

    /// <summary>The file the running archiver rewrites every second with the time (Unix seconds): archive_command gives up at once without it.</summary>
    internal const string HeartbeatName = ".heartbeat";

    /// <summary>
    /// The file a running archiver holds locked: one archiver per records folder. A second one (another data directory's
    /// given the same folder) would keep the first one's archive_command waiting on its heartbeat and delete its records.
    /// </summary>
    internal const string LockName = ".lock";

    /// <summary>How old the heartbeat may be before archive_command takes the archiver for stopped.</summary>
    internal const int HeartbeatStaleSeconds = 10;

    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan FullCheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>How often a file changed in the current tick of the kernel's coarse clock looks again (<see cref="SettledVersionAsync"/>).</summary>
    private static readonly TimeSpan SettlePoll = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a file's change time may stay ahead of the clock before its push fails (and is tried again later).</summary>
    private static readonly TimeSpan SettleLimit = TimeSpan.FromSeconds(3);

    /// <summary>The error left for a file that was pushed and recorded, which archive_command prints if it still does not find the record.</summary>
    internal const string RecordNotFoundHint = "it was pushed and recorded, but this archive_command did not find its record: if the command was printed by an earlier DataGuard (records now hold the change time too: stat -c '%i %.9Y %.9Z %s'), print it again with 'dataguard wal archiver --pg-data DIR --spool RECORDS --print-archive-command' and reload PostgreSQL; otherwise the file changed after it was pushed and is pushed again";

    /// <summary>Files in flight per push slot: the others wait for the clock to move past their change time without holding a slot.</summary>
    private const int InFlightPerSlot = 4;
    private readonly WalArchive _archive;
    private readonly ILogger<WalReadyArchiver> _logger;
    private readonly TimeProvider _time;
    private readonly Func<string, FileVersion?> _versionOf;
    private readonly Func<long> _fileClock;

    /// <summary>Initializes a new instance of the <see cref="WalReadyArchiver"/> class.</summary>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock (the wait between looks at <c>archive_status</c>).</param>
    public WalReadyArchiver(WalArchive archive, ILogger<WalReadyArchiver> logger, TimeProvider time)
        : this(archive, logger, time, NativeStat.VersionOf, NativeStat.CoarseRealTime)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WalReadyArchiver"/> class that reads files' versions and the clock that stamps them through the given functions (tests: a filesystem with coarse timestamps).</summary>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock (waits).</param>
    /// <param name="versionOf">Reads a file's version, as <see cref="NativeStat.VersionOf"/>.</param>
    /// <param name="fileClock">Reads the clock the kernel stamps files with, in nanoseconds since 1970, as <see cref="NativeStat.CoarseRealTime"/>.</param>
    internal WalReadyArchiver(WalArchive archive, ILogger<WalReadyArchiver> logger, TimeProvider time, Func<string, FileVersion?> versionOf, Func<long> fileClock)
    {
        _versionOf = versionOf;
        _fileClock = fileClock;
        _archive = archive;
        _logger = logger;
        _time = time;
    }

    /// <summary>
    /// The <c>archive_command</c> of look-ahead archiving: reads the version of <c>%p</c> (<c>stat</c>: inode, modification
    /// and change times to the nanosecond, size) and exits 0 as soon as the records folder holds that version under <c>%f.pushed</c>, which
    /// the archiver writes only after the storage acknowledged the file durable. A record of another file with that
    /// name (an earlier cluster's, a recycled segment's) never matches. Without a matching record within
    /// <paramref name="wait"/> it exits 1 with a message: PostgreSQL keeps the segment and asks again.
    /// </summary>
    /// <param name="records">The records folder (single-quoted for the shell, % doubled for PostgreSQL).</param>
    /// <param name="wait">How long one attempt waits for the archiver (default 60 s).</param>
    /// <returns>The command, with PostgreSQL's <c>%p</c> and <c>%f</c>.</returns>
    public static string ArchiveCommand(string records, TimeSpan? wait = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(records);
        var folder = Path.GetFullPath(records).TrimEnd('/');
        var s = PostgresShellQuoting.Quote(folder.Length == 0 ? "/" : folder);
        var seconds = Math.Max(1, (int)Math.Ceiling((wait ?? DefaultWait).TotalSeconds));
        var looks = 50 + (seconds * 10) - 5;   // 50 looks 10 ms apart, then 100 ms apart

        // read and test are the shell's own: a file already pushed costs one stat in all. A wait polls every 10 ms for
        // half a second (PostgreSQL archives one file at a time, so when it has caught up with the archiver each file's
        // wait is about one push: a coarse poll would add its half-period to every file), then every 100 ms; the
        // heartbeat is read every tenth look (without a running archiver the command gives up at once, so a server
        // shutting down is not held for minutes); a heartbeat from the future is stale too (${d#-}, its age without the
        // sign: the clock was stepped back after the archiver stopped, and every attempt would otherwise wait its full time
        // for as long as the step). Only regular
        // files are read (a FIFO would block the read). The error is printed with printf, not echo: dash's echo reads
        // backslashes in it as escapes (\n would forge a line in PostgreSQL's log, \c cut the message).
        return PostgresShellQuoting.FitArchiveCommand(
            $"r={s}; f=%f; p=\"$r/$f{RecordSuffix}\"; b=\"$r/{HeartbeatName}\"; v=$(stat -c '%%i %%.9Y %%.9Z %%s' %p) || exit 1; case $v in *.*.*);;*)echo \"dataguard: stat without nanoseconds\">&2;exit 1;;esac; i=0; " +
            "while :; do m=; test -f \"$p\" && { read -r m < \"$p\"; } 2>/dev/null; test \"$m\" = \"$v\" && exit 0; " +
            "if test $((i%10)) -eq 0; then h=; test -f \"$b\" && { read -r h < \"$b\"; } 2>/dev/null; case $h in ''|*[!0-9]*) h=0;; esac; " +
            $"d=$(($(date +%%s)-h)); test ${{d#-}} -lt {HeartbeatStaleSeconds} || {{ echo \"dataguard: $f not archived: wal archiver --pg-data not running\" >&2; exit 1; }}; fi; " +
            $"i=$((i+1)); test $i -lt {looks} || {{ e=; test -f \"$r/$f{ErrorSuffix}\" && {{ read -r e < \"$r/$f{ErrorSuffix}\"; }} 2>/dev/null; " +
            $"printf '%%s\\n' \"dataguard: $f not archived: no record from wal archiver in {seconds} s${{e:+; its last error: $e}}\" >&2; exit 1; }}; " +
            "if test $i -lt 50; then sleep 0.01; else sleep 0.1; fi; done");
    }

    /// <summary>Pushes every file marked ready now, once, and records each pushed one.</summary>
    /// <param name="dataDirectory">The server's data directory.</param>
    /// <param name="records">The records folder archive_command reads.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="cancellationToken">Stops between files.</param>
    /// <returns>The files archived, and those that failed (PostgreSQL keeps them).</returns>
    /// <exception cref="InvalidOperationException">The records folder cannot be used: see <see cref="EnsureRecordsFolder"/>.</exception>
    /// <exception cref="DataGuardException">Another archiver is using the records folder.</exception>
    public async Task<(int Archived, int Failed)> RunOnceAsync(string dataDirectory, string records, int parallelism = 4, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        EnsureRecordsFolder(records);
        using var held = HoldRecordsFolder(records);
        using var session = new Session(dataDirectory, records, parallelism);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var beating = BeatAsync(records, stop.Token);
        var archived = 0;
        var failed = 0;
        try
        {
            var files = ReadyFiles(session).ToList();
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallelism * InFlightPerSlot, CancellationToken = cancellationToken }, async (name, ct) =>
            {
                if (await TryPushAsync(session, name, parallelism, ct).ConfigureAwait(false))
                {
                    Interlocked.Increment(ref archived);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await beating.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return (archived, failed);
    }

    /// <summary>
    /// Pushes ready files until cancelled, oldest first (timeline history files before segments, as PostgreSQL asks for
    /// them), <paramref name="parallelism"/> at a time; <c>archive_status</c> is looked at again every
    /// <paramref name="interval"/> when nothing new is there; a file that failed is tried again a second later. The
    /// heartbeat file is rewritten every second meanwhile.
    /// </summary>
    /// <param name="dataDirectory">The server's data directory.</param>
    /// <param name="records">The records folder archive_command reads.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="interval">The wait between looks when nothing new is ready.</param>
    /// <param name="cancellationToken">Stops the loop; a push under way is finished or abandoned (PostgreSQL asks again).</param>
    /// <returns>A task that ends when cancelled.</returns>
    /// <exception cref="InvalidOperationException">The records folder cannot be used: see <see cref="EnsureRecordsFolder"/>.</exception>
    /// <exception cref="DataGuardException">Another archiver is using the records folder.</exception>
    public async Task RunAsync(string dataDirectory, string records, int parallelism, TimeSpan interval, CancellationToken cancellationToken)
    {
        EnsureRecordsFolder(records);
        using var held = HoldRecordsFolder(records);
        RemoveStaleTemporaries(records);
        using var session = new Session(dataDirectory, records, parallelism);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var beating = BeatAsync(records, stop.Token);
        try
        {
            await WalPushLoop.RunAsync(() => ReadyFiles(session), (name, ct) => TryPushAsync(session, name, parallelism, ct), parallelism * InFlightPerSlot, interval, _time, ex => PitrLog.ArchiverListFailed(_logger, ex.Message), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await beating.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Refuses a records folder that holds WAL files: it is the spool archiver's spool (the option is <c>--spool</c> in both
    /// modes), whose files PostgreSQL already counts archived and which exist nowhere else until pushed. They are
    /// neither removed nor taken for records; the operator pushes them with the spool archiver first. Refuses a folder
    /// other users can write into, too: a planted record or FIFO could make archive_command wait or answer.
    /// </summary>
    /// <param name="records">The records folder.</param>
    /// <exception cref="InvalidOperationException">The folder holds a file named as PostgreSQL names WAL, or other users can write into it or own it.</exception>
    internal static void EnsureRecordsFolder(string records)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(records);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(records) & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            throw new InvalidOperationException(
                $"The records folder '{records}' is writable by other users (mode {Convert.ToString((int)File.GetUnixFileMode(records), 8)}): whoever can write it can make archive_command wait or answer. " +
                "Give it to the server's user alone (chmod 755).");
        }

        if (NativeStat.IsSupported && NativeStat.Of(records) is { } folder && folder.Uid != NativeStat.EffectiveUserId && folder.Uid != 0)
        {
            throw new InvalidOperationException(
                $"The records folder '{records}' belongs to another user (uid {folder.Uid}), who could plant records and make PostgreSQL count a file archived that is not. " +
                "Give it to the user the archiver runs as (the server's).");
        }

        if (Directory.EnumerateFiles(records).Select(Path.GetFileName).FirstOrDefault(n => WalFileName.IsValid(n!)) is { } spooled)
        {
            throw new InvalidOperationException(
                $"The records folder '{records}' holds the WAL file {spooled}: it is a spool, whose files PostgreSQL already counts archived. " +
                "Push them first (dataguard wal archiver --spool DIR --once, without --pg-data), then give look-ahead archiving a folder of its own.");
        }
    }

    /// <summary>
    /// Locks the records folder for this archiver until the returned stream is disposed (the lock goes with the process,
    /// even when it is killed). Two archivers on one folder do not mix: an archiver of another data directory would delete
    /// this one's records as no longer ready and, with its heartbeat, keep this one's archive_command waiting while this
    /// archiver is stopped (and a server shutting down held for minutes).
    /// </summary>
    /// <param name="records">The records folder.</param>
    /// <returns>The held lock.</returns>
    /// <exception cref="DataGuardException">Another archiver holds it.</exception>
    internal static FileStream HoldRecordsFolder(string records)
    {
        FileStream held;
        try
        {
            held = new FileStream(Path.Combine(records, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new DataGuardException(
                $"Another WAL archiver is using the records folder '{records}' ({ex.Message}). Each data directory needs its own records folder, and one archiver.",
                ex)
            {
                Operation = "wal.archiver",
            };
        }

        try
        {
            CheckStat(Path.Combine(records, LockName));
        }
        catch
        {
            held.Dispose();
            throw;
        }

        return held;
    }

    /// <summary>
    /// Refuses to run when this host's shell <c>stat</c> prints a file's version otherwise than DataGuard reads it:
    /// BusyBox's prints whole seconds, so no record would ever match and PostgreSQL would wait for ever. PostgreSQL's
    /// own environment may have another <c>stat</c> (a container image): the printed command refuses that one itself.
    /// </summary>
    /// <param name="file">A file of the records folder (created if missing).</param>
    /// <param name="stat">The stat program (tests).</param>
    internal static void CheckStat(string file, string stat = "stat")
    {
        if (!File.Exists(file))
        {
            using (File.Create(file))
            {
            }
        }

        if (NativeStat.VersionOf(file) is not { } expected)
        {
            return;
        }

        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-c", "\"$1\" -c '%i %.9Y %.9Z %s' \"$2\"", "sh", stat, file])
        {
            start.ArgumentList.Add(argument);
        }

        System.Diagnostics.Process shell;
        try
        {
            shell = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException("/bin/sh could not be started to check stat.");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Look-ahead archiving needs /bin/sh and stat, as archive_command runs them: {ex.Message}", ex);
        }

        using var started = shell;
        var error = shell.StandardError.ReadToEndAsync();
        var output = shell.StandardOutput.ReadToEndAsync();
        if (!shell.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            shell.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"stat of {file} did not answer within 30 s (the records folder's filesystem?).");
        }

        var printed = output.Result.TrimEnd('\n');
        if (printed != expected.ToString())
        {
            throw new InvalidOperationException(
                $"Look-ahead archiving needs a stat that prints nanoseconds (GNU coreutils): archive_command's \"stat -c '%i %.9Y %.9Z %s'\" printed '{OneLine(printed)}' for {file} where DataGuard reads '{expected}'{(error.Result.Length > 0 ? $" ({OneLine(error.Result)})" : string.Empty)}. BusyBox's stat prints whole seconds; install coreutils, or use the spool (wal archiver --spool without --pg-data).");
        }
    }

    /// <summary>
    /// The names marked ready and not yet recorded with their current version, in PostgreSQL's order; records and errors
    /// of files no longer marked ready (PostgreSQL took them, or an earlier cluster's) are removed on the way. Names this
    /// archiver recorded itself are skipped without reading anything (a backlog of thousands waiting for PostgreSQL's
    /// one-at-a-time archive_command costs no I/O per pass); every 10 seconds all records are checked again.
    /// </summary>
    private IEnumerable<string> ReadyFiles(Session session)
    {
        var ready = new List<string>();
        foreach (var marker in Directory.EnumerateFiles(Path.Combine(session.DataDirectory, "pg_wal", "archive_status"), "*.ready"))
        {
            var name = Path.GetFileName(marker)[..^".ready".Length];
            if (WalFileName.IsValid(name))
            {
                ready.Add(name);
            }
        }

        var readySet = new HashSet<string>(ready, StringComparer.Ordinal);
        var now = _time.GetTimestamp();
        lock (session.Recorded)
        {
            if (_time.GetElapsedTime(session.CheckedAt, now) >= FullCheckInterval)
            {
                session.Recorded.Clear();
                session.CheckedAt = now;
                foreach (var file in Directory.EnumerateFiles(session.Records, "*" + RecordSuffix).Concat(Directory.EnumerateFiles(session.Records, "*" + ErrorSuffix)))
                {
                    var name = Path.GetFileNameWithoutExtension(file);
                    if (WalFileName.IsValid(name) && !readySet.Contains(name))
                    {
                        TryDelete(file);   // only a record or an error: a WAL file (a spool's) is never removed here
                    }
                }
            }
            else
            {
                foreach (var name in session.Recorded.Where(n => !readySet.Contains(n)).ToList())
                {
                    session.Recorded.Remove(name);
                    TryDelete(Path.Combine(session.Records, name + RecordSuffix));
                }
            }
        }

        foreach (var name in ready.OrderBy(n => n.EndsWith(".history", StringComparison.Ordinal) ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal))
        {
            lock (session.Recorded)
            {
                if (session.Recorded.Contains(name))
                {
                    continue;   // recorded by this archiver; PostgreSQL's archive_command takes it next
                }
            }

            var record = Path.Combine(session.Records, name + RecordSuffix);
            if (File.Exists(record) && ReadRecord(record) is { } recorded && recorded == _versionOf(Path.Combine(session.DataDirectory, "pg_wal", name))?.ToString())
            {
                lock (session.Recorded)
                {
                    session.Recorded.Add(name);
                }

                continue;   // pushed; PostgreSQL's archive_command takes it next
            }

            yield return name;
        }
    }

    private async Task<bool> TryPushAsync(Session session, string name, int parallelism, CancellationToken cancellationToken)
    {
        try
        {
            await PushOneAsync(session, name, parallelism, cancellationToken).ConfigureAwait(false);
            // What archive_command prints should it still give up on this file: it did not find the record, so it was
            // printed by an earlier release (a record of another form) or its stat prints another form.
            TryWrite(session.Records, name + ErrorSuffix, RecordNotFoundHint);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;   // stopped: PostgreSQL still has the file marked ready, the next start pushes it
        }
        catch (Exception ex)
        {
            // Any failure of one file ends only that attempt: PostgreSQL keeps the file, the archiver tries again. The
            // reason is left for archive_command, which says it in PostgreSQL's log when it gives up waiting.
            PitrLog.ReadyPushFailed(_logger, name, ex.Message);
            TryWrite(session.Records, name + ErrorSuffix, OneLine(ex.Message));
            return false;
        }
    }

    private async Task PushOneAsync(Session session, string name, int parallelism, CancellationToken cancellationToken)
    {
        var path = Path.Combine(session.DataDirectory, "pg_wal", name);
        var version = await SettledVersionAsync(path, cancellationToken).ConfigureAwait(false);
        await session.Pushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Files go in parallel, so each is compressed on one thread: no zstd worker pool per 16 MiB segment.
            await _archive.PushAsync(path, parallelism > 1 ? 1 : null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            session.Pushing.Release();
        }

        if (_versionOf(path) is var after && after != version)
        {
            throw new IOException($"{path} changed while it was pushed (version {version}, now {after?.ToString() ?? "unreadable"}); it is not recorded as archived.");
        }

        // Not fsynced: a record lost in a crash only makes PostgreSQL ask again, and the push of the same content succeeds again.
        if (!TryWrite(session.Records, name + RecordSuffix, version.ToString()))
        {
            throw new IOException($"{name} is archived, but its record cannot be written into '{session.Records}'; PostgreSQL keeps the file and asks again.");
        }

        lock (session.Recorded)
        {
            session.Recorded.Add(name);
        }
    }

    /// <summary>
    /// Reads the file's version once no later write can keep it. The kernel stamps a change with its coarse clock
    /// (<c>CLOCK_REALTIME_COARSE</c>, which moves every 1-10 ms and stops while its CPU is held), truncated to the
    /// filesystem's timestamp granularity: a write after this read keeps the change time only while the clock is within
    /// one granularity of it. So while the clock read first is not past the file's change time plus that granularity
    /// (<see cref="FileVersion.ChangeGranularity"/>), this waits for the clock to move on and reads again ("racy git"); any
    /// write after the returned read then moves the version, which the after-push check or archive_command sees.
    /// </summary>
    private async Task<FileVersion> SettledVersionAsync(string path, CancellationToken cancellationToken)
    {
        var waited = _time.GetTimestamp();
        while (true)
        {
            var clock = _fileClock();
            var version = _versionOf(path) ?? throw new IOException($"{path} is marked ready for archiving but cannot be read.");
            // The kernel truncates the stamp to the filesystem's granularity (1 ns on ext4, xfs, btrfs, tmpfs; 100 ns
            // CIFS, ntfs3; 1 us CephFS; 10 ms exfat; 1 or 2 s ext2/3, FAT): a write lands on this change time while the
            // clock is within one granularity of it, which the stamp's trailing decimal zeros bound from above.
            var racy = clock < version.Changed + version.ChangeGranularity;
            if (!racy)
            {
                return version;
            }

            if (_time.GetElapsedTime(waited) > SettleLimit)
            {
                // The change time stays ahead of the clock (stepped back, another host's clock): it is not known when a
                // write could no longer keep it. The loop tries again a second later.
                throw new IOException($"{path} has a change time ahead of this host's clock ({version}); it is pushed once the clock has passed it.");
            }

            await Task.Delay(SettlePoll, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A message as one line of printable text for the error file: line breaks and every other control character (an
    /// escape sequence would reach the terminal of whoever reads PostgreSQL's log) become spaces.
    /// </summary>
    /// <param name="message">An exception's message.</param>
    /// <returns>The message on one line, its whitespace runs made single spaces.</returns>
    internal static string OneLine(string message) =>
        string.Join(' ', string.Concat(message.Select(c => char.IsControl(c) ? ' ' : c)).Split(' ', StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The heartbeat: the time (Unix seconds) written into the records folder every second until cancelled.</summary>
    private async Task BeatAsync(string records, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                TryWrite(records, HeartbeatName, _time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));
                await Task.Delay(TimeSpan.FromSeconds(1), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopped with the archiver: the heartbeat goes stale and archive_command stops waiting
        }
    }

    /// <summary>
    /// Writes one line under a temporary name and renames it into place (archive_command never reads half a file),
    /// readable by every user (records, errors and the heartbeat hold no data, and the server's user must read them).
    /// </summary>
    private static bool TryWrite(string records, string name, string line)
    {
        var temp = Path.Combine(records, $".{name}.{Guid.NewGuid():N}.tmp");
        try
        {
            var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            using (var stream = OperatingSystem.IsWindows()
                ? new FileStream(temp, FileMode.CreateNew, FileAccess.Write)
                : new FileStream(temp, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }))
            {
                stream.Write(System.Text.Encoding.UTF8.GetBytes(line + "\n"));
            }

            File.Move(temp, Path.Combine(records, name), overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            return false;
        }
    }

    /// <summary>Removes temporary files a killed archiver left (older than a minute: a running archiver's are younger).</summary>
    private void RemoveStaleTemporaries(string records)
    {
        var cutoff = _time.GetUtcNow().UtcDateTime.AddMinutes(-1);
        foreach (var temp in Directory.EnumerateFiles(records, ".*.tmp"))
        {
            if (File.GetLastWriteTimeUtc(temp) < cutoff)
            {
                TryDelete(temp);
            }
        }
    }

    private static string? ReadRecord(string record)
    {
        if (NativeStat.Of(record) is not { } stat || !NativeStat.IsRegularFile(stat.Mode))
        {
            return null;   // a FIFO would block the read; a link or a device is no record of ours
        }

        try
        {
            return File.ReadAllText(record).TrimEnd('\n');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // gone already, or busy: the next pass tries again
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>One run's state: where it reads and records, the names it recorded itself, and its push slots.</summary>
    private sealed class Session(string dataDirectory, string records, int parallelism) : IDisposable
    {
        public string DataDirectory { get; } = dataDirectory;

        public string Records { get; } = records;

        /// <summary>Gets the names recorded by this run and still marked ready (guarded by itself).</summary>
        public HashSet<string> Recorded { get; } = new(StringComparer.Ordinal);

        /// <summary>Gets or sets when all records were last checked (a timestamp of the archiver's clock; 0: never).</summary>
        public long CheckedAt { get; set; } = long.MinValue / 2;

        /// <summary>Gets the push slots: files read, compressed and stored at the same time.</summary>
        public SemaphoreSlim Pushing { get; } = new(parallelism, parallelism);

        /// <inheritdoc/>
        public void Dispose() => Pushing.Dispose();
    }
}
