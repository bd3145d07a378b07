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

        using var cut = new CancellationTokenSource();
        using var http = new HttpClient();
        var body = new GeneratedStream(Length * 2, seed: 2)
        {
            CallbackAfter = Length,
            Callback = killServer ? server.Kill : cut.Cancel,
        };
        foreach (var key in new[] { "catalog.json", "new.json" })
        {
            var put = new HttpRequestMessage(HttpMethod.Put, $"{server.Endpoint}/semantics/{key}") { Content = new StreamContent(body) };
            put.Content.Headers.ContentLength = Length * 2;
            await Assert.ThrowsAnyAsync<Exception>(() => http.SendAsync(put, cut.Token));
            if (killServer)
            {
                await server.RestartAsync();
            }

            body = new GeneratedStream(Length * 2, seed: 3) { CallbackAfter = Length, Callback = killServer ? server.Kill : cut.Cancel };
            if (!killServer)
            {
                await Task.Delay(500); // the server notices the aborted request
            }
        }

        await using (var read = await storage.OpenReadAsync("catalog.json"))
        {
            using var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.Equal(GeneratedStream.Bytes(Length, seed: 1), copy.ToArray());
        }

        var keys = new List<string>();
        await foreach (var item in storage.ListAsync(string.Empty))
        {
            keys.Add(item.Key);
        }

        Assert.Equal(["catalog.json"], keys);
        using var get = await http.GetAsync($"{server.Endpoint}/semantics/new.json");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    private static S3BackupStorage Storage(PrivateS3rver server)
    {
        var options = new S3StorageOptions { Bucket = "semantics", ServiceUrl = server.Endpoint, AccessKeyId = "S3RVER", SecretAccessKey = "S3RVER", MaxRetries = 1 };
        return new S3BackupStorage(S3ClientFactory.Create(options), ownsClient: true, options, NullLogger<S3BackupStorage>.Instance, TimeProvider.System);
    }
}
