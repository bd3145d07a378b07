using System.Text;

namespace DataGuard.Pitr;

/// <summary>
/// The prefetcher's spool of one recovering data directory: <c>pg_wal/.dataguard-prefetch/</c> holding
/// <c>lock</c> (held by the running prefetcher, its pid inside), <c>request</c> (the segment recovery last fetched
/// itself), and <c>&lt;boot id&gt;/</c> with the prefetched segments under their own names, and a
/// <c>&lt;segment&gt;.pending</c> marker for each one being downloaded (restore_command's fast path waits for those).
/// A file appears there under a segment's name only once it is completely downloaded, verified and decompressed
/// (renamed into place; downloads in progress are <c>.</c>-prefixed), so taking one is a rename. The folder is named
/// after the kernel's boot id: files are not fsynced (the disk's bandwidth is the limit of replay), and after a power
/// loss the folder of the previous boot, whose files the crash may have damaged, is never read again.
/// The spool only ever holds segments (never history, backup history or <c>.partial</c> files) and never answers
/// "not archived": a file it lacks is fetched from the archive, which alone decides.
/// </summary>
internal sealed class WalPrefetchSpool
{
    /// <summary>The spool's folder name inside <c>pg_wal</c>.</summary>
    public const string FolderName = ".dataguard-prefetch";

    private const string BootIdPath = "/proc/sys/kernel/random/boot_id";
    private const string PendingSuffix = ".pending";

    /// <summary>How many times (10 ms apart) the fast path waits for a segment being prefetched before it fetches it itself: about 10 s.</summary>
    private const int FastPathWaits = 1000;

    private WalPrefetchSpool(string dataDirectory, string bootId)
    {
        DataDirectory = dataDirectory;
        Root = Path.Combine(dataDirectory, "pg_wal", FolderName);
        Segments = Path.Combine(Root, bootId);
    }

    /// <summary>Gets the data directory being recovered.</summary>
    public string DataDirectory { get; }

    /// <summary>Gets the spool's folder, <c>pg_wal/.dataguard-prefetch</c>.</summary>
    public string Root { get; }

    /// <summary>Gets the folder of prefetched segments (named after this boot).</summary>
    public string Segments { get; }

    /// <summary>
    /// Gets the lock file the running prefetcher holds (flock, for the life of its process), <c>pg_wal/.dataguard-prefetch.lock</c>:
    /// next to the spool, never deleted, so that every prefetcher locks the same file (a deleted lock file lets a second
    /// one lock a new file of the same name while the first still runs).
    /// </summary>
    public string LockPath => Root + ".lock";

    /// <summary>Gets the file in which a fetch that missed the spool tells the prefetcher where recovery is.</summary>
    public string RequestPath => Path.Combine(Root, "request");

    /// <summary>
    /// <c>restore_command</c> with its fast path: a prefetched segment is renamed into place by the shell (no process
    /// is started); anything else runs <paramref name="fetchCommand"/> (<c>dataguard wal fetch %f %p ...</c>). The spool
    /// is found next to <c>%p</c> (<c>${p%/*}</c>, written <c>%%</c> for PostgreSQL), as the C# side does, never relative
    /// to the working directory.
    /// </summary>
    /// <param name="fetchCommand">The command that fetches <c>%f</c> into <c>%p</c> from the archive.</param>
    /// <returns>The restore_command.</returns>
    public static string FastRestoreCommand(string fetchCommand) =>
        $"read -r b <{BootIdPath} && p=\"%p\" && d=\"${{p%%/*}}/{FolderName}/$b\" && {{ mv -f \"$d/%f\" \"%p\" 2>/dev/null || {{ i=0; "
        + $"while [ -e \"$d/%f{PendingSuffix}\" ] && [ $i -lt {FastPathWaits} ]; do sleep 0.01; i=$((i+1)); done; mv -f \"$d/%f\" \"%p\" 2>/dev/null; }}; }} || {fetchCommand}";

    /// <summary>The marker of a segment being prefetched: <c>&lt;segment&gt;.pending</c>, next to where it will appear.</summary>
    /// <param name="name">The segment.</param>
    /// <returns>The marker's path.</returns>
    public string PendingPath(string name) => Path.Combine(Segments, name + PendingSuffix);

    /// <summary>The spool of the data directory PostgreSQL restores <paramref name="destination"/> into, when that is a recovery.</summary>
    /// <param name="destination">restore_command's <c>%p</c> (<c>pg_wal/RECOVERYXLOG</c>, relative to the data directory).</param>
    /// <returns>The spool, or <see langword="null"/> when the destination is not in the <c>pg_wal</c> of a data directory in recovery, or the system has no boot id (not Linux).</returns>
    public static WalPrefetchSpool? ForDestination(string destination)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(destination));
        if (folder is null || Path.GetFileName(folder) != "pg_wal" || Path.GetDirectoryName(folder) is not { } dataDirectory || BootId() is not { } bootId)
        {
            return null;
        }

        var spool = new WalPrefetchSpool(dataDirectory, bootId);
        return spool.IsRecovering() ? spool : null;
    }

    /// <summary>The spool of a data directory (the prefetcher's side).</summary>
    /// <param name="dataDirectory">The data directory.</param>
    /// <returns>The spool.</returns>
    /// <exception cref="PlatformNotSupportedException">The system has no boot id (not Linux).</exception>
    public static WalPrefetchSpool ForDataDirectory(string dataDirectory) =>
        new(Path.GetFullPath(dataDirectory), BootId() ?? throw new PlatformNotSupportedException($"WAL prefetching needs Linux ({BootIdPath})."));

    /// <summary>Whether the server is in recovery: it runs (<c>postmaster.pid</c>) and <c>recovery.signal</c> or <c>standby.signal</c> is there.</summary>
    /// <returns>Whether recovery goes on.</returns>
    public bool IsRecovering() =>
        File.Exists(Path.Combine(DataDirectory, "postmaster.pid"))
        && (File.Exists(Path.Combine(DataDirectory, "recovery.signal")) || File.Exists(Path.Combine(DataDirectory, "standby.signal")));

    /// <summary>Moves a prefetched segment to <paramref name="destination"/> (a rename: same file system).</summary>
    /// <param name="name">The segment's name.</param>
    /// <param name="destination">restore_command's <c>%p</c>.</param>
    /// <returns>Whether the spool had it.</returns>
    public bool TryTake(string name, string destination)
    {
        if (!WalFileName.IsSegment(name))
        {
            return false;
        }

        try
        {
            File.Move(Path.Combine(Segments, name), destination, overwrite: true);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Tells the prefetcher that recovery fetched <paramref name="name"/> itself (written atomically).</summary>
    /// <param name="name">The segment.</param>
    public void WriteRequest(string name)
    {
        CreateRoot();
        var temp = $"{RequestPath}.{Guid.NewGuid():N}";
        File.WriteAllText(temp, $"{name}\n{Guid.NewGuid():N}\n", Encoding.ASCII);
        File.Move(temp, RequestPath, overwrite: true);
    }

    /// <summary>The last request, or <see langword="null"/>.</summary>
    /// <returns>The request's text (the segment's name, then a line unique to that request).</returns>
    public string? ReadRequest()
    {
        try
        {
            return File.ReadAllText(RequestPath, Encoding.ASCII);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Creates the spool's folder, for the server's user only (WAL holds every change to the database). Never its
    /// parents: a data directory deleted under a prefetcher still starting (a drill removing a killed drill's copy) must
    /// not come back as an empty <c>pg_wal</c>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">The data directory's <c>pg_wal</c> does not exist.</exception>
    public void CreateRoot()
    {
        var pgWal = Path.GetDirectoryName(Root)!;
        if (!Directory.Exists(pgWal))
        {
            throw new DirectoryNotFoundException($"{pgWal} does not exist (the data directory is gone): there is no recovery to prefetch for.");
        }

        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Root);
        }
        else if (!Directory.Exists(Root))
        {
            Directory.CreateDirectory(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>The kernel's boot id, or <see langword="null"/> where there is none.</summary>
    /// <returns>The boot id.</returns>
    public static string? BootId()
    {
        try
        {
            var id = File.ReadAllText(BootIdPath).Trim();
            return id.Length > 0 && id.All(c => char.IsAsciiHexDigit(c) || c == '-') ? id : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
