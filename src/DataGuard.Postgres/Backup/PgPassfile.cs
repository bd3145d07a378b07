using System.Text;
using DataGuard.IO;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// A PostgreSQL password file (PGPASSFILE) for one child process: the password in a 0600 file inside a fresh 0700
/// directory, so that it never sits in the child's environment (readable in /proc/&lt;pid&gt;/environ and inherited by
/// whatever it starts) or on its command line. Deleted, with its directory, on dispose; folders left by a process that
/// was killed before it could delete them are swept by the next one once they are an hour old (a tool reads its
/// password file when it connects, in its first seconds).
/// </summary>
internal sealed class PgPassfile : IDisposable
{
    private const string Prefix = "dataguard-pg-";
    private static readonly TimeSpan Abandoned = TimeSpan.FromHours(1);
    private readonly string _directory;

    private PgPassfile(string directory, string path)
    {
        _directory = directory;
        Path = path;
    }

    /// <summary>Gets the file's path, for PGPASSFILE.</summary>
    public string Path { get; }

    /// <summary>Writes a password file whose one entry matches any host, port, database and user.</summary>
    /// <param name="password">The password.</param>
    /// <returns>The file; dispose it once the child has ended.</returns>
    public static PgPassfile Create(string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        if (password.Contains('\n', StringComparison.Ordinal) || password.Contains('\r', StringComparison.Ordinal))
        {
            throw new DataGuardException("The password holds a line break, which a PostgreSQL password file cannot hold; the pg tools cannot be given it safely.") { Operation = "pgtools.passfile" };
        }

        SweepAbandoned();
        var directory = Directory.CreateTempSubdirectory(Prefix).FullName;
        var path = System.IO.Path.Combine(directory, "pgpass");
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(directory, PrivateFiles.OwnerDirectory);
            }

            using var file = PrivateFiles.CreateNew(path);
            file.Write(Encoding.UTF8.GetBytes($"*:*:*:*:{Escape(password)}\n"));
            return new PgPassfile(directory, path);
        }
        catch
        {
            Delete(directory, path);
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Delete(_directory, Path);

    /// <summary>Escapes a password-file field: <c>\</c> and <c>:</c> take a backslash.</summary>
    internal static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(":", "\\:", StringComparison.Ordinal);

    /// <summary>Deletes the password folders of this user that a killed process left behind (others' are not ours to touch, and fail).</summary>
    internal static void SweepAbandoned()
    {
        try
        {
            foreach (var folder in new DirectoryInfo(System.IO.Path.GetTempPath()).EnumerateDirectories(Prefix + "*"))
            {
                // Compared with the file system's own clock (the folder's time), not the application's.
                if (DateTime.UtcNow - folder.LastWriteTimeUtc > Abandoned)
                {
                    Delete(folder.FullName, System.IO.Path.Combine(folder.FullName, "pgpass"));
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The temp folder cannot be listed: nothing to sweep.
        }
    }

    private static void Delete(string directory, string path)
    {
        try
        {
            File.Delete(path);
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Already gone, or the temp folder went away: nothing of the password is left to remove.
        }
    }
}
