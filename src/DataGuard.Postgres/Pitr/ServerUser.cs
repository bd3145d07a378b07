using System.Diagnostics;

namespace DataGuard.Postgres.Pitr;

/// <summary>
/// PostgreSQL refuses to run as root: when DataGuard runs as root, data directories are handed to the <c>postgres</c>
/// user and server commands run as that user.
/// </summary>
internal static class ServerUser
{
    public const string Name = "postgres";

    public static bool IsRoot => Environment.UserName == "root";

    public static async Task TakeOwnershipAsync(string dataDirectory, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        File.SetUnixFileMode(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (IsRoot)
        {
            await RunAsync("chown", ["-R", $"{Name}:", dataDirectory], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Starts a process as the server's user (through runuser when root).</summary>
    public static ProcessStartInfo Command(string path, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(IsRoot ? "runuser" : path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (IsRoot)
        {
            foreach (var argument in new[] { "-u", Name, "--", path })
            {
                info.ArgumentList.Add(argument);
            }
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        RemovePasswords(info);
        return info;
    }

    /// <summary>
    /// The server and its tools need no password: PGPASSWORD and the restore target's password are not passed on (a
    /// started server would keep them in its environment). DataGuard's configuration stays: the server's
    /// restore_command (<c>dataguard wal fetch</c>) may read its storage and keys from the environment.
    /// </summary>
    private static void RemovePasswords(ProcessStartInfo info)
    {
        info.Environment.Remove("PGPASSWORD");
        info.Environment.Remove(Backup.PgConnectionEnvironment.TargetPasswordVariable);
    }

    public static async Task<string> RunAsync(string path, IEnumerable<string> arguments, CancellationToken cancellationToken, bool asServerUser = false)
    {
        var info = asServerUser ? Command(path, arguments) : new ProcessStartInfo(path, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        RemovePasswords(info);
        using var process = Process.Start(info) ?? throw new DataGuardException($"{path} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return process.ExitCode == 0
            ? await output.ConfigureAwait(false)
            : throw new DataGuardException($"{Path.GetFileName(path)} failed (exit code {process.ExitCode}): {(await error.ConfigureAwait(false)).Trim()}") { Operation = "pitr.restore" };
    }
}
