using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DataGuard.IntegrationTests.Infrastructure;

namespace DataGuard.IntegrationTests.Export;

/// <summary>Runs samples/DataGuard.Samples.WebHost as its own process and goes through the self-service flow over HTTP.</summary>
public sealed class WebHostSampleTests
{
    [Fact]
    public async Task A_signed_in_user_asks_for_their_data_and_downloads_it()
    {
        await using var harness = await ExportHarness.CreateAsync();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var dll = Path.Combine(RepositoryPaths.Root, "artifacts", "bin", "DataGuard.Samples.WebHost", configuration, "DataGuard.Samples.WebHost.dll");
        Assert.True(File.Exists(dll), $"build the solution first: {dll} is missing");
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var info = new ProcessStartInfo("dotnet") { ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" }, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.Environment["DataGuard__Postgres__ConnectionString"] = harness.Database.ConnectionString;
        info.Environment["DataGuard__Storage__FileSystem__Root"] = harness.Root;
        info.Environment["DataGuard__Export__PollInterval"] = "00:00:01";

        // The sample is strict: the schema's columns without foreign keys are declared (a link) or silenced, as an operator would.
        info.Environment["DataGuard__Export__Links__0__From"] = "public.audit_log.user_id";
        info.Environment["DataGuard__Export__Links__0__To"] = "public.users.id";
        info.Environment["DataGuard__Export__Exclude__0"] = "public.page_views.user_id";
        using var host = Process.Start(info)!;
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Eventually.WaitUntilAsync(async () => (await TryGetAsync(http, "/me/exports/" + Guid.Empty)) is HttpStatusCode.NotFound, TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/me/exports", new { })).StatusCode);
            http.DefaultRequestHeaders.Add("X-User-Id", "1");
            var posted = await http.PostAsJsonAsync("/me/exports", new { formats = new[] { "json", "pdf" } });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            var location = posted.Headers.Location!.ToString();
            Assert.Equal((HttpStatusCode)429, (await http.PostAsJsonAsync("/me/exports", new { })).StatusCode);

            JsonElement job = default;
            await Eventually.WaitUntilAsync(async () => (job = await http.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString() == "ready", TimeSpan.FromSeconds(30));
            var files = job.GetProperty("files").EnumerateArray().ToList();
            Assert.Equal(2, files.Count);
            var json = await http.GetStringAsync(files.Single(f => f.GetProperty("format").GetString() == "json").GetProperty("url").GetString());
            Assert.Equal(2, JsonDocument.Parse(json).RootElement.GetProperty("tables").GetProperty("public.orders").GetArrayLength());

            // Another user sees nothing of it.
            using var other = new HttpClient { BaseAddress = http.BaseAddress };
            other.DefaultRequestHeaders.Add("X-User-Id", "2");
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(location)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(location + "/json")).StatusCode);
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    private static async Task<HttpStatusCode?> TryGetAsync(HttpClient http, string path)
    {
        try
        {
            return (await http.GetAsync(path)).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
