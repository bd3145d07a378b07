namespace DataGuard.IO;

/// <summary>
/// Files and directories that only their owner may read: created with an exact mode (0600 and 0700 by default),
/// whatever the process's umask, and optionally flushed so that their directory entries survive a crash.
/// </summary>
internal static class PrivateFiles
{
    /// <summary>The default mode of files DataGuard writes: read and write for the owner only.</summary>
    public const UnixFileMode OwnerFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The default mode of directories DataGuard creates: the owner only.</summary>
    public const UnixFileMode OwnerDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode Permissions = (UnixFileMode)0b111_111_111;

    /// <summary>Parses an octal mode such as <c>0600</c> or <c>2750</c>.</summary>
    /// <param name="text">The octal digits.</param>
    /// <returns>The mode, or <see langword="null"/> when the text is not 3 or 4 octal digits.</returns>
    public static UnixFileMode? ParseOctal(string? text)
    {
        var trimmed = text?.Trim();
        if (trimmed is null || trimmed.Length is < 3 or > 4 || trimmed.Any(c => c is < '0' or > '7'))
        {
            return null;
        }

        return (UnixFileMode)Convert.ToInt32(trimmed, 8);
    }

    /// <summary>Checks a file mode: octal, owner read and write, no bit beyond 0777, not writable by others.</summary>
    /// <param name="text">The configured mode.</param>
    /// <returns>Why it is not usable, or <see langword="null"/>.</returns>
    public static string? CheckFileMode(string? text)
    {
        if (ParseOctal(text) is not { } mode)
        {
            return $"'{text}' is not an octal file mode such as 0600";
        }

        if ((mode & ~Permissions) != 0)
        {
            return $"{text} sets setuid, setgid or sticky bits, which data files must not have";
        }

        if ((mode & OwnerFile) != OwnerFile)
        {
            return $"{text} does not let the owner read and write (DataGuard reads back what it writes): use at least 0600";
        }

        return (mode & UnixFileMode.OtherWrite) != 0 ? $"{text} lets any local user change backups: drop the write bit for others" : null;
    }

    /// <summary>Checks a directory mode: octal, owner read, write and search, no bit beyond 2777, not writable by others.</summary>
    /// <param name="text">The configured mode.</param>
    /// <returns>Why it is not usable, or <see langword="null"/>.</returns>
    public static string? CheckDirectoryMode(string? text)
    {
        if (ParseOctal(text) is not { } mode)
        {
            return $"'{text}' is not an octal directory mode such as 0700";
        }

        if ((mode & ~(Permissions | UnixFileMode.SetGroup)) != 0)
        {
            return $"{text} sets setuid or sticky bits; only setgid (2xxx, to share a group) is allowed on directories";
        }

        if ((mode & OwnerDirectory) != OwnerDirectory)
        {
            return $"{text} does not give the owner read, write and search: use at least 0700";
        }

        return (mode & UnixFileMode.OtherWrite) != 0 ? $"{text} lets any local user add or remove backups: drop the write bit for others" : null;
    }

    /// <summary>
    /// Creates a new file with exactly <paramref name="mode"/>: created with it (the umask can only take bits away),
    /// then set on the open handle before a byte is written.
    /// </summary>
    /// <param name="path">The file; must not exist.</param>
    /// <param name="mode">Its mode.</param>
    /// <param name="bufferSize">The stream's buffer (0 for none).</param>
    /// <param name="options">The file options.</param>
    /// <returns>The file, open for writing.</returns>
    public static FileStream CreateNew(string path, UnixFileMode mode = OwnerFile, int bufferSize = 4096, FileOptions options = FileOptions.None)
    {
        var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = bufferSize, Options = options };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = mode;
        }

        var file = new FileStream(path, create);
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file.SafeFileHandle, mode);
            }

            return file;
        }
        catch
        {
            file.Dispose();
            File.Delete(path);
            throw;
        }
    }

    /// <summary>
    /// Creates a directory and its missing parents, each with exactly <paramref name="mode"/> (existing ones are left
    /// as they are). With <paramref name="durable"/>, each new directory's parent is flushed so the new entry survives
    /// a crash.
    /// </summary>
    /// <param name="path">The directory.</param>
    /// <param name="mode">The mode of the directories created.</param>
    /// <param name="durable">Whether to flush the parent of each directory created.</param>
    public static void CreateDirectory(string path, UnixFileMode mode = OwnerDirectory, bool durable = false)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var missing = new Stack<string>();
        for (var current = full; !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Push(current);
        }

        while (missing.TryPop(out var directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
                continue;
            }

            Directory.CreateDirectory(directory, mode);

            // mkdir applies the umask: set the mode we were asked for. A directory another user made at the same moment
            // is theirs to set.
            try
            {
                File.SetUnixFileMode(directory, mode);
            }
            catch (UnauthorizedAccessException)
            {
            }

            if (durable)
            {
                NativeFileSystem.Sync(Path.GetDirectoryName(directory)!);
            }
        }
    }
}
