using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataGuard.AspNetCore.Tests.Infrastructure;
using Npgsql;

namespace DataGuard.AspNetCore.Tests.Export;

/// <summary>The export endpoints against a hostile review: no secret in logs, no crash on odd subjects, no internal text to users.</summary>
public sealed class ExportEndpointHardeningTests
{
    [Fact]
    public async Task The_presigned_link_of_a_download_is_never_logged()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        using var bucket = await TestBucket.CreateAsync();
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: bucket.Configuration);
        using var alice = host.Client("1");
        var location = (await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).Headers.Location!.ToString();
        JsonElement job = default;
        await Eventually.WaitUntilAsync(async () => (job = await alice.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString() == "ready", TimeSpan.FromSeconds(60), "the export to be ready");

        var redirect = await alice.GetAsync(job.GetProperty("files")[0].GetProperty("url").GetString()!);

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Contains("Signature=", redirect.Headers.Location!.Query, StringComparison.Ordinal);
        Assert.True(redirect.Headers.CacheControl?.NoStore, "Cache-Control: no-store");
        var leaked = host.Logs.Messages.Where(m => m.Message.Contains("Signature=", StringComparison.OrdinalIgnoreCase) || m.Message.Contains("X-Amz-Credential", StringComparison.OrdinalIgnoreCase) || m.Message.Contains("AWSAccessKeyId", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(leaked.Count == 0, "logged: " + string.Join(" | ", leaked.Select(m => $"{m.Level} {m.Id} {m.Message}")));
    }
}
