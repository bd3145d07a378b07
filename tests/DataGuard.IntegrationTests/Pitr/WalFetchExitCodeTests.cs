using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using DataGuard.Cli;
using DataGuard.IntegrationTests.Cli;
using DataGuard.IntegrationTests.Infrastructure;

namespace DataGuard.IntegrationTests.Pitr;

/// <summary>
/// The exit status of <c>dataguard wal fetch</c> (restore_command) for real WAL segments: PostgreSQL ends recovery on
/// any status from 1 to 125 and aborts it above, so only a file that truly is not archived may exit 1; a storage that is
/// down, slow, failing after the listing, a tampered object, a wrong key, an empty (unmounted) archive, a destination
/// that cannot be written and a bad command line or configuration all exit 200, naming the file and the cause.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class WalFetchExitCodeTests(ArchivingCluster cluster) : IClassFixture<ArchivingCluster>, IDisposable
{
    private readonly CliRunner _cli = new();

    private string Segment => cluster.Segments[1];

    private string SegmentName => Path.GetFileName(Segment);

    private string Destination => Path.Combine(_cli.Folder, "pg_wal", "RECOVERYXLOG");

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task A_present_segment_exits_0_and_an_absent_segment_or_history_file_exits_1_on_disk()
    {
        var config = await FileSystemArchiveAsync("disk");

        var present = await FetchAsync(SegmentName, config);
        Assert.True(present.ExitCode == ExitCodes.Success, present.All);
        Assert.Equal(await File.ReadAllBytesAsync(Segment), await File.ReadAllBytesAsync(Destination));
        File.Delete(Destination);

        var absent = await FetchAsync("0000000100000000000000FE", config);
        Assert.Equal(ExitCodes.WalNotFound, absent.ExitCode);
        Assert.Contains("0000000100000000000000FE is not in the archive", absent.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Destination));

        var history = await FetchAsync("00000002.history", config);
        Assert.Equal(ExitCodes.WalNotFound, history.ExitCode);
    }

    [Fact]
    public async Task A_present_segment_exits_0_and_an_absent_one_exits_1_on_S3()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        var config = await S3ArchiveAsync(bucket, bucket.Server.Endpoint);

        var present = await FetchAsync(SegmentName, config);
        Assert.True(present.ExitCode == ExitCodes.Success, present.All);
        Assert.Equal(await File.ReadAllBytesAsync(Segment), await File.ReadAllBytesAsync(Destination));

        var absent = await FetchAsync("0000000100000000000000FE", config);
        Assert.Equal(ExitCodes.WalNotFound, absent.ExitCode);
    }

    [Fact]
    public async Task S3_answering_503_to_everything_exits_200_naming_the_segment_and_the_cause_without_secrets()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        await S3ArchiveAsync(bucket, bucket.Server.Endpoint);
        await using var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (_, _) => (503, "SlowDown"));
        var config = S3Config(bucket, proxy.Endpoint, "through-proxy.json");

        var result = await FetchAsync(SegmentName, config);
        Assert.Equal(ExitCodes.WalFetchFailed, result.ExitCode);
        AssertOneLineNaming(result, SegmentName, "503 SlowDown");
        Assert.DoesNotContain(bucket.Server.SecretKey, result.All, StringComparison.Ordinal);
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task A_download_that_fails_after_a_good_listing_exits_200()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        await S3ArchiveAsync(bucket, bucket.Server.Endpoint);
        await using var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (request, _) =>
            request.HttpMethod == "GET" && request.RawUrl!.Contains(SegmentName, StringComparison.Ordinal) && request.QueryString["list-type"] is null ? (500, "InternalError") : null);
        var config = S3Config(bucket, proxy.Endpoint, "through-proxy.json");

        var result = await FetchAsync(SegmentName, config);
        Assert.Equal(ExitCodes.WalFetchFailed, result.ExitCode);
        AssertOneLineNaming(result, SegmentName, "500 InternalError");
        Assert.True(proxy.Faults >= 1);
    }

    [Fact]
    public async Task An_absent_segment_whose_lookup_fails_is_not_reported_missing_but_exits_200()
    {
        // The listing answers (without the file); the direct lookup that must confirm "no such object" fails.
        await using var bucket = await TestS3.CreateBucketAsync();
        await S3ArchiveAsync(bucket, bucket.Server.Endpoint);
        await using var proxy = new FaultyS3Proxy(bucket.Server.Endpoint, (request, _) => request.HttpMethod == "HEAD" ? (503, "SlowDown") : null);
        var config = S3Config(bucket, proxy.Endpoint, "through-proxy.json");

        var result = await FetchAsync("0000000100000000000000FE", config);
        Assert.Equal(ExitCodes.WalFetchFailed, result.ExitCode);
        AssertOneLineNaming(result, "0000000100000000000000FE", "503");
    }

    [Fact]
    public async Task An_S3_server_that_is_down_or_does_not_answer_exits_200()
    {
        await using var bucket = await TestS3.CreateBucketAsync();
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var down = await FetchAsync(SegmentName, S3Config(bucket, $"http://127.0.0.1:{closedPort}", "down.json"));
        Assert.Equal(ExitCodes.WalFetchFailed, down.ExitCode);
        AssertOneLineNaming(down, SegmentName, "refused");

        // A server that accepts connections and never answers: the request timeout, not a cancellation read as "missing".
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(100);
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var slow = await FetchAsync(SegmentName, S3Config(bucket, $"http://127.0.0.1:{port}", "silent.json", requestTimeout: "00:00:01"));
        Assert.Equal(ExitCodes.WalFetchFailed, slow.ExitCode);
        AssertOneLineNaming(slow, SegmentName, "timed out");
    }

    [Fact]
    public async Task A_tampered_segment_exits_200_and_writes_nothing()
    {
        var config = await FileSystemArchiveAsync("disk");
        var stored = Directory.GetFiles(Path.Combine(_cli.Folder, "disk", "wal", SegmentName[..8]), SegmentName + "*").Single();
        var bytes = await File.ReadAllBytesAsync(stored);
        bytes[bytes.Length / 2] ^= 0x10;
        await File.WriteAllBytesAsync(stored, bytes);

        var result = await FetchAsync(SegmentName, config);
        Assert.Equal(ExitCodes.WalFetchFailed, result.ExitCode);
        AssertOneLineNaming(result, SegmentName, "failed verification");
        Assert.False(File.Exists(Destination));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Destination)!));
    }

    [Fact]
    public async Task A_wrong_or_missing_key_exits_200_without_showing_a_key()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var wrong = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var root = Path.Combine(_cli.Folder, "encrypted");
        await PushAsync(Write("push.json", new { Storage = new { FileSystem = new { Root = root } }, Backup = new { Encryption = new { KeyId = "k1", Key = key } } }));

        var withWrongKey = await FetchAsync(SegmentName, Write("wrong.json", new { Storage = new { FileSystem = new { Root = root } }, Backup = new { Encryption = new { KeyId = "k1", Key = wrong } } }));
        Assert.Equal(ExitCodes.WalFetchFailed, withWrongKey.ExitCode);
        AssertOneLineNaming(withWrongKey, SegmentName, SegmentName);
        Assert.DoesNotContain(key, withWrongKey.All, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, withWrongKey.All, StringComparison.Ordinal);

        var withoutKey = await FetchAsync(SegmentName, Write("nokey.json", new { Storage = new { FileSystem = new { Root = root } } }));
        Assert.Equal(ExitCodes.WalFetchFailed, withoutKey.ExitCode);
        Assert.False(File.Exists(Destination));
    }

    [Fact]
    public async Task An_empty_or_unmounted_archive_is_a_fault_not_the_end_of_the_archive()
    {
        var mountPoint = Path.Combine(_cli.Folder, "mnt-not-mounted");
        Directory.CreateDirectory(mountPoint);
        var result = await FetchAsync(SegmentName, Write("empty.json", new { Storage = new { FileSystem = new { Root = mountPoint } } }));
        Assert.Equal(ExitCodes.WalFetchFailed, result.ExitCode);
        AssertOneLineNaming(result, SegmentName, "holds no WAL file at all");
    }

    [Fact]
    public async Task A_bad_command_line_configuration_or_destination_exits_200()
    {
        var config = await FileSystemArchiveAsync("disk");

        var missingArgument = await _cli.RunAsync("wal", "fetch", SegmentName, "--config", config);
        Assert.Equal(ExitCodes.WalFetchFailed, missingArgument.ExitCode);
        var unknownOption = await _cli.RunAsync("wal", "fetch", SegmentName, Destination, "--config", config, "--bogus");
        Assert.Equal(ExitCodes.WalFetchFailed, unknownOption.ExitCode);

        var badName = await FetchAsync("../../etc/passwd", config);
        Assert.Equal(ExitCodes.WalFetchFailed, badName.ExitCode);
        AssertOneLineNaming(badName, "../../etc/passwd", "not the name of a WAL");

        var missingConfig = await FetchAsync(SegmentName, Path.Combine(_cli.Folder, "nope.json"));
        Assert.Equal(ExitCodes.WalFetchFailed, missingConfig.ExitCode);
        AssertOneLineNaming(missingConfig, SegmentName, "does not exist");

        var invalidConfig = await FetchAsync(SegmentName, Write("invalid.json", new { Storage = new { Provider = "Tape" } }));
        Assert.Equal(ExitCodes.WalFetchFailed, invalidConfig.ExitCode);

        var noFolder = await _cli.RunAsync("wal", "fetch", SegmentName, Path.Combine(_cli.Folder, "no", "such", "folder", "RECOVERYXLOG"), "--config", config);
        Assert.Equal(ExitCodes.WalFetchFailed, noFolder.ExitCode);
        AssertOneLineNaming(noFolder, SegmentName, Path.Combine("no", "such", "folder"));

        // Other commands keep their usage status.
        Assert.Equal(ExitCodes.Usage, (await _cli.RunAsync("wal", "push", "--config", config)).ExitCode);
    }

    private static void AssertOneLineNaming(CliResult result, string file, string cause)
    {
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("dataguard: wal fetch", StringComparison.Ordinal));
        Assert.Contains(file, line, StringComparison.Ordinal);
        Assert.Contains(cause, line, StringComparison.Ordinal);
        Assert.Contains("FAILED", line, StringComparison.Ordinal);
    }

    private Task<CliResult> FetchAsync(string name, string config)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Destination)!);
        return _cli.RunAsync("wal", "fetch", name, Destination, "--config", config);
    }

    private async Task PushAsync(string config)
    {
        foreach (var segment in cluster.Segments)
        {
            var push = await _cli.RunAsync("wal", "push", segment, "--config", config);
            Assert.True(push.ExitCode == 0, push.All);
        }
    }

    private async Task<string> FileSystemArchiveAsync(string folder)
    {
        var config = Write($"{folder}.json", new { Storage = new { FileSystem = new { Root = Path.Combine(_cli.Folder, folder) } } });
        await PushAsync(config);
        return config;
    }

    private async Task<string> S3ArchiveAsync(TestBucket bucket, string endpoint)
    {
        var config = S3Config(bucket, endpoint, "s3.json");
        await PushAsync(config);
        return config;
    }

    private string S3Config(TestBucket bucket, string endpoint, string file, string requestTimeout = "00:00:20") => Write(file, new
    {
        Storage = new
        {
            Provider = "S3",
            S3 = new { Bucket = bucket.Name, Prefix = "pitr", ServiceUrl = endpoint, AccessKeyId = bucket.Server.AccessKey, SecretAccessKey = bucket.Server.SecretKey, MaxRetries = 1, RequestTimeout = requestTimeout },
        },
    });

    private string Write(string file, object dataGuard)
    {
        var path = Path.Combine(_cli.Folder, file);
        File.WriteAllText(path, JsonSerializer.Serialize(new { DataGuard = dataGuard }));
        return path;
    }
}
