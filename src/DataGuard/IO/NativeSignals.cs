using System.Runtime.InteropServices;

namespace DataGuard.IO;

/// <summary>Sends a process a signal (Linux and macOS, through libc): .NET only has SIGKILL (<c>Process.Kill</c>).</summary>
internal static partial class NativeSignals
{
    /// <summary>SIGQUIT: PostgreSQL's postmaster shuts down immediately on it (what <c>pg_ctl stop -m immediate</c> sends).</summary>
    public const int Quit = 3;

    private const string Library = "libc";

    /// <summary>Sends <paramref name="signal"/> to the process <paramref name="processId"/>.</summary>
    /// <param name="processId">The process.</param>
    /// <param name="signal">The signal's number.</param>
    /// <returns>0 when sent, else the errno (3: no such process; 1: not permitted).</returns>
    public static int Send(int processId, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            throw new PlatformNotSupportedException("Signals are sent on Linux and macOS only.");
        }

        return Kill(processId, signal) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);
}
