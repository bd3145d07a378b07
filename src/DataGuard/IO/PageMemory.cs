using System.Runtime.InteropServices;

namespace DataGuard.IO;

/// <summary>
/// Large buffers taken from the operating system and given back to it when freed: <c>mmap</c> / <c>munmap</c> on Linux,
/// macOS and FreeBSD, <see cref="NativeMemory"/> elsewhere (the Windows heap hands blocks this large back by itself).
/// glibc's malloc serves a block of several MiB with its own mmap only until the first such block is freed: it then
/// raises its threshold (up to 32 MiB) and serves the next ones from its heaps, whose pages stay resident after free. For
/// S3 part buffers, 8 MiB each, that kept every upload's buffers after the first one in the resident set, piling up per
/// malloc arena in a long-running host (24 to 57 MiB after five uploads on pool threads, checked by hand).
/// </summary>
internal static unsafe partial class PageMemory
{
    private const string Library = "libc";
    private const int ProtectionReadWrite = 0x1 | 0x2;

    // MAP_PRIVATE | MAP_ANONYMOUS: 0x02 | 0x20 on Linux, 0x0002 | 0x1000 (MAP_ANON) on macOS and FreeBSD.
    private static readonly int PrivateAnonymous = OperatingSystem.IsLinux() ? 0x22 : 0x1002;

    private static bool Maps => OperatingSystem.IsLinux() || OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD();

    /// <summary>Allocates <paramref name="length"/> bytes (zeroed where mapped, else not cleared).</summary>
    /// <param name="length">The size in bytes.</param>
    /// <returns>The memory; give it back with <see cref="Free"/> and the same length.</returns>
    /// <exception cref="InsufficientMemoryException">The system refused the memory.</exception>
    public static byte* Allocate(int length)
    {
        if (!Maps)
        {
            return (byte*)NativeMemory.Alloc((nuint)length);
        }

        var pointer = Map(null, (nuint)length, ProtectionReadWrite, PrivateAnonymous, -1, 0);
        return pointer == (void*)-1
            ? throw new InsufficientMemoryException($"mmap of {length} bytes failed (errno {Marshal.GetLastPInvokeError()}).")
            : (byte*)pointer;
    }

    /// <summary>Gives memory from <see cref="Allocate"/> back to the system.</summary>
    /// <param name="pointer">The memory.</param>
    /// <param name="length">The length it was allocated with.</param>
    public static void Free(byte* pointer, int length)
    {
        if (!Maps)
        {
            NativeMemory.Free(pointer);
            return;
        }

        // munmap fails only for an address or length it was not given by mmap: nothing to recover then.
        _ = Unmap(pointer, (nuint)length);
    }

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Map(void* address, nuint length, int protection, int flags, int descriptor, nint offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    private static partial int Unmap(void* address, nuint length);
}
