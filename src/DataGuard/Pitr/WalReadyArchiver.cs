using DataGuard.IO;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging;

namespace DataGuard.Pitr;

/// <summary>
/// Look-ahead WAL archiving (as pgBackRest's asynchronous archive-push): the resident archiver
/// (<c>dataguard wal archiver --pg-data DIR --spool RECORDS</c>) pushes the files PostgreSQL has marked ready for
/// archiving (<c>pg_wal/archive_status/*.ready</c>) straight from <c>pg_wal</c>, in parallel and ahead of PostgreSQL's own
/// archiver, and once a file is durable in storage records the version it pushed (inode, modification time, size)
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

    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(60);
    private readonly WalArchive _archive;
    private readonly ILogger<WalReadyArchiver> _logger;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="WalReadyArchiver"/> class.</summary>
    /// <param name="archive">The WAL archive.</param>
    /// <param name="logger">The logger.</param>
    /// <param name="time">The clock (the wait between looks at <c>archive_status</c>).</param>
    public WalReadyArchiver(WalArchive archive, ILogger<WalReadyArchiver> logger, TimeProvider time)
    {
        _archive = archive;
        _logger = logger;
        _time = time;
    }

    /// <summary>
    /// The <c>archive_command</c> of look-ahead archiving: reads the version of <c>%p</c> (<c>stat</c>: inode, modification
    /// time to the nanosecond, size) and exits 0 as soon as the records folder holds that version under <c>%f.pushed</c>, which
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

        // read is the shell's own: a wait costs one sleep process per 50 ms, a file already pushed one stat in all.
        return $"v=$(stat -c '%%i %%.9Y %%s' %p) || exit 1; i=0; " +
            $"while :; do m=; {{ read -r m < {s}/%f{RecordSuffix}; }} 2>/dev/null; test \"$m\" = \"$v\" && exit 0; i=$((i+1)); " +
            $"test $i -lt {seconds * 20} || {{ echo \"dataguard: %f is not archived: no record of it from the resident archiver (dataguard wal archiver --pg-data) within {seconds} s; PostgreSQL keeps it and asks again\" >&2; exit 1; }}; " +
            "sleep 0.05; done";
    }

    /// <summary>Pushes every file marked ready now, once, and records each pushed one.</summary>
    /// <param name="dataDirectory">The server's data directory.</param>
    /// <param name="records">The records folder archive_command reads.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="cancellationToken">Stops between files.</param>
    /// <returns>The files archived, and those that failed (PostgreSQL keeps them).</returns>
    public async Task<(int Archived, int Failed)> RunOnceAsync(string dataDirectory, string records, int parallelism = 4, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        EnsureRecordsFolder(records);
        var files = ReadyFiles(dataDirectory, records).ToList();
        var archived = 0;
        var failed = 0;
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (name, ct) =>
        {
            if (await TryPushAsync(dataDirectory, records, name, parallelism, ct).ConfigureAwait(false))
            {
                Interlocked.Increment(ref archived);
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        }).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return (archived, failed);
    }

    /// <summary>
    /// Pushes ready files until cancelled, oldest first (timeline history files before segments, as PostgreSQL asks for
    /// them), <paramref name="parallelism"/> at a time; <c>archive_status</c> is looked at again every
    /// <paramref name="interval"/> when nothing new is there; a file that failed is tried again a second later.
    /// </summary>
    /// <param name="dataDirectory">The server's data directory.</param>
    /// <param name="records">The records folder archive_command reads.</param>
    /// <param name="parallelism">Files pushed at the same time.</param>
    /// <param name="interval">The wait between looks when nothing new is ready.</param>
    /// <param name="cancellationToken">Stops the loop; a push under way is finished or abandoned (PostgreSQL asks again).</param>
    /// <returns>A task that ends when cancelled.</returns>
    /// <exception cref="InvalidOperationException">The records folder holds WAL files (a spool): see <see cref="EnsureRecordsFolder"/>.</exception>
    public Task RunAsync(string dataDirectory, string records, int parallelism, TimeSpan interval, CancellationToken cancellationToken)
    {
        EnsureRecordsFolder(records);
        return WalPushLoop.RunAsync(() => ReadyFiles(dataDirectory, records), (name, ct) => TryPushAsync(dataDirectory, records, name, parallelism, ct), parallelism, interval, _time, ex => PitrLog.ArchiverListFailed(_logger, ex.Message), cancellationToken);
    }

    /// <summary>
    /// Refuses a records folder that holds WAL files: it is the spool archiver's spool (the option is <c>--spool</c> in both
    /// modes), whose files PostgreSQL already counts archived and which exist nowhere else until pushed. They are
    /// neither removed nor taken for records; the operator pushes them with the spool archiver first.
    /// </summary>
    /// <param name="records">The records folder.</param>
    /// <exception cref="InvalidOperationException">The folder holds a file named as PostgreSQL names WAL.</exception>
    internal static void EnsureRecordsFolder(string records)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(records);
        if (Directory.EnumerateFiles(records).Select(Path.GetFileName).FirstOrDefault(n => WalFileName.IsValid(n!)) is { } spooled)
        {
            throw new InvalidOperationException(
                $"The records folder '{records}' holds the WAL file {spooled}: it is a spool, whose files PostgreSQL already counts archived. " +
                "Push them first (dataguard wal archiver --spool DIR --once, without --pg-data), then give look-ahead archiving a folder of its own.");
        }
    }

    /// <summary>
    /// The names marked ready and not yet recorded with their current version, in PostgreSQL's order; records of files
    /// no longer marked ready (PostgreSQL took them, or an earlier cluster's) are removed on the way.
    /// </summary>
    private static IEnumerable<string> ReadyFiles(string dataDirectory, string records)
    {
        var ready = new List<string>();
        foreach (var marker in Directory.EnumerateFiles(Path.Combine(dataDirectory, "pg_wal", "archive_status"), "*.ready"))
        {
            var name = Path.GetFileName(marker)[..^".ready".Length];
            if (WalFileName.IsValid(name))
            {
                ready.Add(name);
            }
        }

        var readySet = new HashSet<string>(ready, StringComparer.Ordinal);
        foreach (var record in Directory.EnumerateFiles(records, "*" + RecordSuffix))
        {
            var name = Path.GetFileName(record)[..^RecordSuffix.Length];
            if (WalFileName.IsValid(name) && !readySet.Contains(name))
            {
                TryDelete(record);   // only a record: a WAL file (a spool's) is never removed here
            }
        }

        foreach (var name in ready.OrderBy(n => n.EndsWith(".history", StringComparison.Ordinal) ? 0 : 1).ThenBy(n => n, StringComparer.Ordinal))
        {
            var record = Path.Combine(records, name + RecordSuffix);
            if (File.Exists(record) && ReadRecord(record) is { } recorded && recorded == NativeStat.VersionOf(Path.Combine(dataDirectory, "pg_wal", name)))
            {
                continue;   // pushed; PostgreSQL's archive_command takes it next
            }

            yield return name;
        }
    }

    private async Task<bool> TryPushAsync(string dataDirectory, string records, string name, int parallelism, CancellationToken cancellationToken)
    {
        try
        {
            await PushOneAsync(dataDirectory, records, name, parallelism, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;   // stopped: PostgreSQL still has the file marked ready, the next start pushes it
        }
        catch (Exception ex)
        {
            // Any failure of one file ends only that attempt: PostgreSQL keeps the file, the archiver tries again.
            PitrLog.ReadyPushFailed(_logger, name, ex.Message);
            return false;
        }
    }

    private async Task PushOneAsync(string dataDirectory, string records, string name, int parallelism, CancellationToken cancellationToken)
    {
        var path = Path.Combine(dataDirectory, "pg_wal", name);
        var version = NativeStat.VersionOf(path) ?? throw new IOException($"{path} is marked ready for archiving but cannot be read.");

        // Files go in parallel, so each is compressed on one thread: no zstd worker pool per 16 MiB segment.
        await _archive.PushAsync(path, parallelism > 1 ? 1 : null, cancellationToken).ConfigureAwait(false);
        if (NativeStat.VersionOf(path) is var after && after != version)
        {
            throw new IOException($"{path} changed while it was pushed (version {version}, now {after ?? "unreadable"}); it is not recorded as archived.");
        }

        // Written whole under a temporary name, then renamed: archive_command never reads half a record. Not fsynced: a
        // record lost in a crash only makes PostgreSQL ask again, and the push of the same content succeeds again.
        var temp = Path.Combine(records, $".{name}.{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllTextAsync(temp, version + "\n", cancellationToken).ConfigureAwait(false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            File.Move(temp, Path.Combine(records, name + RecordSuffix), overwrite: true);
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private static string? ReadRecord(string record)
    {
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
}
