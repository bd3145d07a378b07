using BenchmarkDotNet.Attributes;
using DataGuard.Storage;

namespace DataGuard.Benchmarks;

/// <summary>
/// Upload and download of 256 MiB through each storage, against a plain file copy of the same bytes (the baseline).
/// </summary>
[MemoryDiagnoser]
public class StorageThroughputBenchmarks
{
    public const long Size = 256L * 1024 * 1024;
    private const string Key = "bench/data.bin";
    private string _source = null!;
    private string _work = null!;
    private IBackupStorage _disk = null!;
    private IBackupStorage _s3 = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _source = BenchmarkStorages.SourceFile(Size);
        _work = Path.Combine(Path.GetTempPath(), $"dataguard-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_work);
        _disk = BenchmarkStorages.Disk(Path.Combine(_work, "storage"));
        _s3 = await BenchmarkStorages.S3Async("bench");
        await using var forDisk = BenchmarkStorages.OpenSequential(_source);
        await _disk.WriteAsync(Key, forDisk);
        await using var forS3 = BenchmarkStorages.OpenSequential(_source);
        await _s3.WriteAsync(Key, forS3);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        (_s3 as IDisposable)?.Dispose();
        Directory.Delete(_work, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "file copy (baseline)")]
    public void FileCopy() => File.Copy(_source, Path.Combine(_work, "copy.bin"), overwrite: true);

    [Benchmark(Description = "disk upload")]
    public Task<StorageWriteResult> DiskUpload() => UploadAsync(_disk);

    [Benchmark(Description = "disk download")]
    public Task<long> DiskDownload() => DownloadAsync(_disk);

    [Benchmark(Description = "s3rver upload")]
    public Task<StorageWriteResult> S3Upload() => UploadAsync(_s3);

    [Benchmark(Description = "s3rver download")]
    public Task<long> S3Download() => DownloadAsync(_s3);

    internal static async Task<StorageWriteResult> UploadAsync(IBackupStorage storage)
    {
        await using var source = BenchmarkStorages.OpenSequential(BenchmarkStorages.SourceFile(Size));
        return await storage.WriteAsync(Key, source);
    }

    internal static async Task<long> DownloadAsync(IBackupStorage storage)
    {
        await using var stream = await storage.OpenReadAsync(Key);
        var buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        return total;
    }
}
