namespace DataGuard.Benchmarks;

/// <summary>
/// Runs one storage operation on 256 MiB in this process and prints the process's peak resident memory (VmHWM),
/// so bounded memory is measured rather than assumed. Used by scripts/bench.sh, one process per operation.
/// </summary>
internal static class PeakMemory
{
    public static async Task<int> RunAsync(string operation)
    {
        var work = Path.Combine(Path.GetTempPath(), $"dataguard-peak-{Guid.NewGuid():N}");
        var source = BenchmarkStorages.SourceFile(StorageThroughputBenchmarks.Size);
        try
        {
            var baseline = ReadPeakKib();
            switch (operation)
            {
                case "file-copy":
                    File.Copy(source, Path.Combine(work + "-copy.bin"), overwrite: true);
                    File.Delete(work + "-copy.bin");
                    break;
                case "disk-upload":
                    await StorageThroughputBenchmarks.UploadAsync(BenchmarkStorages.Disk(work));
                    break;
                case "s3-upload":
                    using (var s3 = await BenchmarkStorages.S3Async("bench-peak"))
                    {
                        await StorageThroughputBenchmarks.UploadAsync(s3);
                    }

                    break;
                case "s3-download":
                    // Reads what the s3-upload run (a process of its own, run first) left in the bucket.
                    using (var s3 = await BenchmarkStorages.S3Async("bench-peak"))
                    {
                        await StorageThroughputBenchmarks.DownloadAsync(s3);
                    }

                    break;
                default:
                    Console.Error.WriteLine($"unknown operation {operation}: file-copy, disk-upload, s3-upload, s3-download");
                    return 2;
            }

            Console.WriteLine($"{operation}: peak RSS {ReadPeakKib() / 1024} MiB (process start and setup: {baseline / 1024} MiB) for {StorageThroughputBenchmarks.Size / (1024 * 1024)} MiB moved");
            return 0;
        }
        finally
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static long ReadPeakKib()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
