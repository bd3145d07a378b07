using System.Diagnostics;
using DataGuard.Backup;

namespace DataGuard.Cli;

/// <summary>A one-line progress display (phase, bytes, rate) on a terminal's standard error; silent when redirected.</summary>
internal sealed class CliProgress : IProgress<BackupProgress>, IDisposable
{
    private readonly TextWriter _error;
    private readonly bool _enabled;
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private readonly Lock _gate = new();
    private bool _drawn;

    public CliProgress(TextWriter error, bool json)
    {
        _error = error;
        _enabled = !json && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
    }

    public void Report(BackupProgress value)
    {
        if (!_enabled)
        {
            return;
        }

        lock (_gate)
        {
            var seconds = Math.Max(_stopwatch.Elapsed.TotalSeconds, 0.001);
            var total = value.TotalBytes is { } t && t > 0 ? $" / {Bytes(t)} ({100.0 * value.Bytes / t:F0}%)" : string.Empty;
            _error.Write($"\r{value.Phase,-9} {Bytes(value.Bytes)}{total}  {Bytes((long)(value.Bytes / seconds))}/s    ");
            _drawn = true;
        }
    }

    public void Dispose()
    {
        if (_drawn)
        {
            _error.WriteLine();
        }
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:F1} KiB",
        _ => $"{bytes} B",
    };
}
