using System.Net;
using DataGuard.IntegrationTests.Infrastructure;
using DataGuard.S3;
using DataGuard.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace DataGuard.IntegrationTests.Storage;

/// <summary>
/// The S3 test server (s3rver started through scripts/s3rver.js) keeps S3's write semantics that the chaos suite and
/// the crash tests rely on: a PUT cut off (server killed, client gone) leaves no partial object and the replaced
/// object as it was. s3rver alone truncated the replaced object, so the next GET failed its checksum
/// ("Expected hash not equal"), and left a partial new one visible to GET and LIST.
/// </summary>
public sealed class S3TestServerTests
{
    private const int Length = 3 * 1024 * 1024;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_PUT_cut_off_leaves_the_replaced_object_whole_and_no_new_one(bool killServer)
    {
        await using var server = await PrivateS3rver.StartAsync();
        await server.CreateBucketAsync("semantics");
        using var storage = Storage(server);
        await storage.WriteAsync("catalog.json", new MemoryStream(GeneratedStream.Bytes(Length, seed: 1)));

        using var http = new HttpClient();
        await CutPutAsync(http, server, "catalog.json", seed: 2, killServer);
        await CutPutAsync(http, server, "new.json", seed: 3, killServer);

        await using (var read = await storage.OpenReadAsync("catalog.json"))
        {
            using var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.Equal(GeneratedStream.Bytes(Length, seed: 1), copy.ToArray());
        }

        Assert.Equal(["catalog.json"], await KeysAsync(storage));
        using var get = await http.GetAsync($"{server.Endpoint}/semantics/new.json");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);

        // The cut PUTs' temporary files are gone: removed on the abort, or when the killed server started again.
        Assert.Empty(Temporaries(server));
    }

    /// <summary>
    /// A PUT of a new key that the client aborted midway leaves nothing: no object and no temporary file (review of the
    /// launcher: the theory above first cancelled one token for both PUTs, so the second never sent a byte).
    /// </summary>
    [Fact]
    public async Task A_new_key_whose_PUT_the_client_aborted_does_not_exist()
    {
        await using var server = await PrivateS3rver.StartAsync();
        await server.CreateBucketAsync("semantics");
        using var storage = Storage(server);
        using var http = new HttpClient();
        await CutPutAsync(http, server, "new.json", seed: 2, killServer: false);

        Assert.Empty(await KeysAsync(storage));
        Assert.Empty(Temporaries(server));
    }

    /// <summary>
    /// On S3 a GET that overlaps an overwrite returns one whole version. s3rver took Content-Length and ETag from one
    /// version and opened the file after the next PUT replaced it: the new body cut to the old length, under the old
    /// ETag ("Expected hash not equal to calculated hash", 58 of 196 reads in the review). Verification overwrites a
    /// manifest that listings, the dashboard, retention and drills may be reading.
    /// </summary>
    [Fact]
    public async Task A_GET_overlapping_an_overwrite_returns_one_whole_version()
    {
        await using var server = await PrivateS3rver.StartAsync();
        await server.CreateBucketAsync("semantics");
        using var storage = Storage(server);
        byte[][] versions = [GeneratedStream.Bytes(256 * 1024, seed: 1), GeneratedStream.Bytes(512 * 1024, seed: 2), GeneratedStream.Bytes(768 * 1024, seed: 3)];
        await storage.WriteAsync("manifest.json", new MemoryStream(versions[0]));
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var reads = 0;
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await using var read = await storage.OpenReadAsync("manifest.json");
                    using var copy = new MemoryStream();
                    await read.CopyToAsync(copy);
                    Interlocked.Increment(ref reads);
                    if (!versions.Any(v => v.AsSpan().SequenceEqual(copy.ToArray())))
                    {
                        failures.Enqueue($"read {copy.Length} bytes that are no version");
                    }
                }
                catch (Exception ex)
                {
                    failures.Enqueue(ex.GetBaseException().Message);
                }
            }
        })).ToList();
        for (var i = 1; i <= 150; i++)
        {
            await storage.WriteAsync("manifest.json", new MemoryStream(versions[i % 3]));
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.True(failures.IsEmpty, $"{failures.Count} of {reads} reads during 150 overwrites saw no whole version, e.g. {string.Join(" | ", failures.Distinct().Take(3))}");
    }

    /// <summary>A PUT of <paramref name="key"/> cut off once half its body is sent: the server killed (and started again), or the client aborting (its own token).</summary>
    private static async Task CutPutAsync(HttpClient http, PrivateS3rver server, string key, int seed, bool killServer)
    {
        using var cut = new CancellationTokenSource();
        var sent = false;
        var body = new GeneratedStream(Length * 2, seed)
        {
            CallbackAfter = Length,
            Callback = () =>
            {
                sent = true;
                if (killServer)
                {
                    server.Kill();
                }
                else
                {
                    cut.Cancel();
                }
            },
        };
        var put = new HttpRequestMessage(HttpMethod.Put, $"{server.Endpoint}/semantics/{key}") { Content = new StreamContent(body) };
        put.Content.Headers.ContentLength = Length * 2;
        await Assert.ThrowsAnyAsync<Exception>(() => http.SendAsync(put, cut.Token));
        Assert.True(sent, $"the PUT of {key} sent part of its body before it was cut off");
        if (killServer)
        {
            await server.RestartAsync();
        }
        else
        {
            await Task.Delay(500); // the server notices the aborted request
        }
    }

    private static async Task<List<string>> KeysAsync(S3BackupStorage storage)
    {
        var keys = new List<string>();
        await foreach (var item in storage.ListAsync(string.Empty))
        {
            keys.Add(item.Key);
        }

        return keys;
    }

    /// <summary>The temporary files of PUTs (scripts/s3rver.js) left in the server's data folder.</summary>
    private static IEnumerable<string> Temporaries(PrivateS3rver server) =>
        Directory.EnumerateFiles(server.DataDirectory, "*", SearchOption.AllDirectories).Where(f => f.Contains(".uploading", StringComparison.Ordinal)).ToList();

    private static S3BackupStorage Storage(PrivateS3rver server)
    {
        var options = new S3StorageOptions { Bucket = "semantics", ServiceUrl = server.Endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER", MaxRetries = 1 };
        return new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
    }
}
