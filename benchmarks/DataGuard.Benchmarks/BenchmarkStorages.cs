using Amazon.S3.Model;
using DataGuard.Configuration;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.Benchmarks;

/// <summary>The storages under test: a folder on the local disk and the s3rver of DATAGUARD_TEST_S3_ENDPOINT.</summary>
internal static class BenchmarkStorages
{
    public static FileSystemBackupStorage Disk(string root) =>
        new(new FileSystemStorageOptions { Root = root }, NullLogger<FileSystemBackupStorage>.Instance);

    public static async Task<S3BackupStorage> S3Async(string bucket)
    {
        var endpoint = Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_ENDPOINT")
            ?? throw new InvalidOperationException("DATAGUARD_TEST_S3_ENDPOINT is not set: run through scripts/bench.sh, which starts s3rver.");
        var options = new S3StorageOptions
        {
            Bucket = bucket,
            ServiceUrl = endpoint,
            AccessKeyId = Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_ACCESS_KEY") ?? "S3RVER",
            SecretAccessKey = Environment.GetEnvironmentVariable("DATAGUARD_TEST_S3_SECRET_KEY") ?? "S3RVER",
        };
        var client = S3ClientFactory.Create(options);
        try
        {
            await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket });
        }
        catch (Amazon.S3.AmazonS3Exception ex) when (ex.ErrorCode == "BucketAlreadyOwnedByYou" || ex.ErrorCode == "BucketAlreadyExists")
        {
        }

        return new S3BackupStorage(client, ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
    }

    /// <summary>Writes <paramref name="length"/> pseudo-random bytes to a file, once.</summary>
    public static string SourceFile(long length)
    {
        var path = Path.Combine(Path.GetTempPath(), $"dataguard-bench-source-{length}.bin");
        if (File.Exists(path) && new FileInfo(path).Length == length)
        {
            return path;
        }

        var buffer = new byte[1 << 20];
        var random = new Random(42);
        using var file = File.Create(path);
        for (long written = 0; written < length; written += buffer.Length)
        {
            random.NextBytes(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, length - written));
        }

        return path;
    }

    /// <summary>Opens a file as a forward-only stream, as pg_dump's stdout would be.</summary>
    public static Stream OpenSequential(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
}
