using DataGuard.IO;

namespace DataGuard.Backup.ParallelDump;

/// <summary>
/// Tells which files of a dump directory the dump has finished writing, while it runs: a file that no process of the
/// dump (the leader and its worker children, read from <c>/proc</c>) holds open, and whose size did not change since
/// the last look. pg_dump creates each data file open (<c>fopen</c>), writes it in one go and never reopens it; its
/// <c>toc.dat</c> is written last and is only taken once the dump has ended. Where <c>/proc</c> cannot be read (not
/// Linux), nothing is reported before the end. Also pauses the workers (SIGSTOP) while staging is full.
/// </summary>
internal sealed class DumpDirectoryWatcher(string directory, int leaderProcessId)
{
    /// <summary>The table of contents, written last.</summary>
    public const string TableOfContents = "toc.dat";

    private const int StopSignal = 19;
    private const int ContinueSignal = 18;
    private readonly Dictionary<string, long> _sizes = new(StringComparer.Ordinal);
    private bool? _canWatch;
    private bool _paused;

    /// <summary>Gets a value indicating whether the workers are paused.</summary>
    public bool Paused => _paused;

    /// <summary>Finds files the dump has finished, other than <paramref name="taken"/> and the table of contents.</summary>
    /// <param name="taken">Files already handed out.</param>
    /// <returns>The finished files and their sizes.</returns>
    public IReadOnlyList<(string Name, long Size)> FindFinished(IReadOnlySet<string> taken)
    {
        if (!CanWatch() || !Directory.Exists(directory))
        {
            return [];
        }

        // The directory first, then the open files: a file listed here that is still being written is open below.
        var files = new DirectoryInfo(directory).EnumerateFiles()
            .Where(f => f.Name != TableOfContents && !taken.Contains(f.Name))
            .Select(f => (f.Name, f.Length))
            .ToList();
        if (files.Count == 0)
        {
            return [];
        }

        var open = OpenFileNames();
        if (open is null)
        {
            return [];
        }

        var finished = new List<(string, long)>();
        foreach (var (name, size) in files)
        {
            var stable = _sizes.TryGetValue(name, out var last) && last == size;
            _sizes[name] = size;
            if (stable && !open.Contains(name))
            {
                finished.Add((name, size));
            }
        }

        return finished;
    }

    /// <summary>Pauses or resumes the dump's workers (only where <c>/proc</c> can be read).</summary>
    /// <param name="pause">Pause, or resume.</param>
    public void SetPaused(bool pause)
    {
        if (pause == _paused || !CanWatch())
        {
            return;
        }

        foreach (var worker in Workers())
        {
            NativeFifo.Signal(worker, pause ? StopSignal : ContinueSignal);
        }

        _paused = pause;
    }

    private bool CanWatch()
    {
        _canWatch ??= NativeFifo.IsSupported && File.Exists(ChildrenFile(leaderProcessId)) && OpenFileNames() is not null;
        return _canWatch.Value;
    }

    private static string ChildrenFile(int processId) => $"/proc/{processId}/task/{processId}/children";

    private List<int> Workers()
    {
        try
        {
            return [.. File.ReadAllText(ChildrenFile(leaderProcessId)).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return [];
        }
    }

    /// <summary>The names of the files the dump's processes hold open, or <see langword="null"/> when the leader's cannot be read.</summary>
    private HashSet<string>? OpenFileNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (!AddOpenFiles(leaderProcessId, names))
        {
            return null;
        }

        foreach (var worker in Workers())
        {
            // A worker that ended in between holds nothing open.
            _ = AddOpenFiles(worker, names);
        }

        return names;
    }

    private static bool AddOpenFiles(int processId, HashSet<string> names)
    {
        try
        {
            foreach (var descriptor in Directory.EnumerateFiles($"/proc/{processId}/fd"))
            {
                try
                {
                    if (new FileInfo(descriptor).LinkTarget is { } target)
                    {
                        // Only the name: a same-named file anywhere else only delays an upload, never hastens one.
                        names.Add(Path.GetFileName(target));
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Closed in between.
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
