using System.Runtime.InteropServices;

namespace DataGuard.Compression;

/// <summary>The few functions of the system's libzstd (<c>libzstd.so.1</c>) that streaming compression and decompression need.</summary>
internal static partial class NativeZstd
{
    public const int CompressionLevel = 100;
    public const int ChecksumFlag = 201;
    public const int NbWorkers = 400;
    public const int JobSize = 401;

    /// <summary>
    /// The size of one compression job when workers compress: 1 MiB instead of zstd's default of four windows (8 MiB at
    /// level 3). zstd's input ring holds (workers + 3) jobs and each finished job keeps its output until it is written
    /// out: with two workers at level 3, about 62 MiB of native memory with the default, about 12 MiB with 1 MiB jobs,
    /// at the same speed in a backup here (docs/benchmarks.md). zstd raises it to the overlap it keeps between jobs
    /// where that is larger (levels above 15 or so, whose window is larger).
    /// </summary>
    public const int WorkerJobSize = 1024 * 1024;
    public const int Continue = 0;
    public const int End = 2;
    private const string Library = "libzstd.so.1";
    private static readonly Lazy<bool> Loadable = new(Probe);

    /// <summary>Gets a value indicating whether libzstd can be loaded on this machine.</summary>
    public static bool IsAvailable => Loadable.Value;

    [LibraryImport(Library, EntryPoint = "ZSTD_versionNumber")]
    public static partial uint VersionNumber();

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    public static partial nint CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    public static partial nuint FreeCCtx(nint context);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")]
    public static partial nuint SetParameter(nint context, int parameter, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_getParameter")]
    public static unsafe partial nuint GetParameter(nint context, int parameter, int* value);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressStream2")]
    public static unsafe partial nuint CompressStream2(nint context, Buffer* output, Buffer* input, int endOp);

    [LibraryImport(Library, EntryPoint = "ZSTD_CStreamOutSize")]
    public static partial nuint OutSize();

    [LibraryImport(Library, EntryPoint = "ZSTD_createDCtx")]
    public static partial nint CreateDCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDCtx")]
    public static partial nuint FreeDCtx(nint context);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressStream")]
    public static unsafe partial nuint DecompressStream(nint context, Buffer* output, Buffer* input);

    [LibraryImport(Library, EntryPoint = "ZSTD_DStreamInSize")]
    public static partial nuint DecompressInSize();

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    public static partial nint ErrorName(nuint code);

    /// <summary>Throws when a libzstd call returned an error code.</summary>
    public static nuint Check(nuint code)
    {
        if (IsError(code) != 0)
        {
            throw new IOException($"zstd: {Marshal.PtrToStringAnsi(ErrorName(code))}");
        }

        return code;
    }

    // Streaming needs 1.4 (ZSTD_compressStream2) and multithreading (ZSTD_c_nbWorkers), present in every libzstd since 1.5.
    private static bool Probe()
    {
        try
        {
            return VersionNumber() >= 10500;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }

    /// <summary>ZSTD_inBuffer and ZSTD_outBuffer: a pointer, a size and a position.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Buffer
    {
        public byte* Data;
        public nuint Size;
        public nuint Position;
    }
}
