using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DataGuard.IO;

/// <summary>
/// Named pipes and process signals, which .NET has no API for (Linux, through libc): a parallel restore feeds each
/// table's data file to pg_restore through a named pipe, opened without blocking so that one loop can wait for many.
/// </summary>
internal static partial class NativeFifo
{
    private const string Library = "libc";
    private const int WriteOnly = 1;
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;
    private const int GetFlags = 3;
    private const int SetFlags = 4;
    private const int NoReader = 6;
    private const int Interrupted = 4;

    /// <summary>Gets a value indicating whether named pipes and signals work here (Linux).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Makes a named pipe, readable and writable by the owner only.</summary>
    /// <param name="path">Its path.</param>
    /// <exception cref="IOException">It could not be made.</exception>
    public static void Create(string path)
    {
        if (MakeFifo(path, 0b110_000_000) != 0)
        {
            throw new IOException($"Cannot make the named pipe {path} (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>Opens a named pipe for writing if a reader has it open; never blocks.</summary>
    /// <param name="path">The pipe.</param>
    /// <returns>A blocking write handle, or <see langword="null"/> when no reader has it open yet.</returns>
    /// <exception cref="IOException">It could not be opened for another reason.</exception>
    public static SafeFileHandle? TryOpenWriter(string path)
    {
        int descriptor;
        do
        {
            descriptor = Open(path, WriteOnly | NonBlocking | CloseOnExec);
        }
        while (descriptor < 0 && Marshal.GetLastPInvokeError() == Interrupted);

        if (descriptor < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error == NoReader ? null : throw new IOException($"Cannot open the named pipe {path} (errno {error}).");
        }

        var handle = new SafeFileHandle(descriptor, ownsHandle: true);
        var flags = Fcntl(descriptor, GetFlags, 0);
        if (flags < 0 || Fcntl(descriptor, SetFlags, flags & ~NonBlocking) < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw new IOException($"Cannot make the named pipe {path} blocking (errno {error}).");
        }

        return handle;
    }

    /// <summary>Sends a signal to a process; a process that is gone is ignored.</summary>
    /// <param name="processId">The process.</param>
    /// <param name="signal">The signal number.</param>
    public static void Signal(int processId, int signal) => _ = Kill(processId, signal);

    [LibraryImport(Library, EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MakeFifo(string path, uint mode);

    [LibraryImport(Library, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int descriptor, int command, int argument);

    [LibraryImport(Library, EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int processId, int signal);
}
