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

        // Anonymous dashboard access is asked for, but outside Development it is ignored: the dashboard still needs an operator.
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DataGuard__Dashboard__AllowAnonymous"] = "true";

        // Outside Development the sample's header sign-in is only trusted when asked for explicitly.
        info.Environment["Sample__TrustHeaders"] = "true";

        // The sample is strict: the schema's columns without foreign keys are declared (a link) or silenced, as an operator would.
        info.Environment["DataGuard__Export__Links__0__From"] = "public.audit_log.user_id";
        info.Environment["DataGuard__Export__Links__0__To"] = "public.users.id";
        info.Environment["DataGuard__Export__Exclude__0"] = "public.page_views.user_id";
        using var host = Process.Start(info)!;
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Eventually.WaitUntilAsync(async () => (await TryGetAsync(http, "/me/data-export/" + Guid.Empty)) is HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(30));

            // Not signed in: 401 everywhere, the dashboard included (not Development, so no anonymous access).
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/me/data-export", new { })).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/dataguard")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/dataguard/api/overview")).StatusCode);

            http.DefaultRequestHeaders.Add("X-User-Id", "1");
            var posted = await http.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json", "pdf" } });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            var location = posted.Headers.Location!.ToString();
            Assert.StartsWith("/me/data-export/", location, StringComparison.Ordinal);

            // A second request within the rate limit: 429 as problem details, with Retry-After.
            var limited = await http.PostAsJsonAsync("/me/data-export", new { });
            Assert.Equal((HttpStatusCode)429, limited.StatusCode);
            Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
            Assert.Equal(429, (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
            Assert.NotNull(limited.Headers.RetryAfter);

            JsonElement job = default;
            await Eventually.WaitUntilAsync(async () => (job = await http.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString() == "ready", TimeSpan.FromSeconds(30));
            Assert.False(job.TryGetProperty("subject", out _));
            var files = job.GetProperty("files").EnumerateArray().ToList();
            Assert.Equal(2, files.Count);
            var jsonUrl = files.Single(f => f.GetProperty("format").GetString() == "json").GetProperty("url").GetString()!;
            Assert.Equal($"{location}/files/json", jsonUrl);
            var json = await http.GetStringAsync(jsonUrl);
            Assert.Equal(2, JsonDocument.Parse(json).RootElement.GetProperty("tables").GetProperty("public.orders").GetArrayLength());

            // Another user sees nothing of it: the job and its files answer as ids that do not exist.
            using var other = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = http.BaseAddress };
            other.DefaultRequestHeaders.Add("X-User-Id", "2");
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(location)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(jsonUrl)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/me/data-export/{Guid.NewGuid()}")).StatusCode);

            // A signed-in user who is not an operator does not see the dashboard; an operator does.
            Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/dataguard")).StatusCode);
            other.DefaultRequestHeaders.Add("X-User-Role", "operator");
            var dashboard = await other.GetAsync("/dataguard/exports");
            Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
            Assert.Contains("default-src 'none'", dashboard.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            var api = await other.GetFromJsonAsync<JsonElement>("/dataguard/api/exports");
            Assert.Contains(api.GetProperty("jobs").EnumerateArray(), j => j.GetProperty("id").GetString() == job.GetProperty("id").GetString());
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task In_Development_with_AllowAnonymous_the_dashboard_is_served_without_signing_in_but_exports_still_need_a_user()
    {
        await using var harness = await ExportHarness.CreateAsync();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var dll = Path.Combine(RepositoryPaths.Root, "artifacts", "bin", "DataGuard.Samples.WebHost", configuration, "DataGuard.Samples.WebHost.dll");
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var info = new ProcessStartInfo("dotnet") { ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" }, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.Environment["DataGuard__Postgres__ConnectionString"] = harness.Database.ConnectionString;
        info.Environment["DataGuard__Storage__FileSystem__Root"] = harness.Root;
        info.Environment["DataGuard__Export__Links__0__From"] = "public.audit_log.user_id";
        info.Environment["DataGuard__Export__Links__0__To"] = "public.users.id";
        info.Environment["DataGuard__Export__Exclude__0"] = "public.page_views.user_id";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["DataGuard__Dashboard__AllowAnonymous"] = "true";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var host = Process.Start(info)!;
        host.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        host.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await Eventually.WaitUntilAsync(async () => (await TryGetAsync(http, "/dataguard")) is HttpStatusCode.OK, TimeSpan.FromSeconds(30));
            var page = await http.GetAsync("/dataguard/backups");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("<svg id=\"backup-size\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dataguard/api/migrations")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/me/data-export", new { })).StatusCode);
            Assert.Contains(output, line => line.Contains("WITHOUT authorization", StringComparison.Ordinal));
        }
        finally
        {
            host.Kill(entireProcessTree: true);
            await host.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task In_Production_without_Sample_TrustHeaders_it_refuses_to_start_and_names_the_fix()
    {
        await using var harness = await ExportHarness.CreateAsync();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
        var dll = Path.Combine(RepositoryPaths.Root, "artifacts", "bin", "DataGuard.Samples.WebHost", configuration, "DataGuard.Samples.WebHost.dll");
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var info = new ProcessStartInfo("dotnet") { ArgumentList = { dll, "--urls", $"http://127.0.0.1:{port}" }, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.Environment["DataGuard__Postgres__ConnectionString"] = harness.Database.ConnectionString;
        info.Environment["DataGuard__Storage__FileSystem__Root"] = harness.Root;
        info.Environment["DataGuard__Export__Links__0__From"] = "public.audit_log.user_id";
        info.Environment["DataGuard__Export__Links__0__To"] = "public.users.id";
        info.Environment["DataGuard__Export__Exclude__0"] = "public.page_views.user_id";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var host = Process.Start(info)!;
        host.OutputDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        host.ErrorDataReceived += (_, e) => { if (e.Data is not null) { output.Enqueue(e.Data); } };
        host.BeginOutputReadLine();
        host.BeginErrorReadLine();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await host.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                http.DefaultRequestHeaders.Add("X-User-Id", "1");
                Assert.Fail($"still running after 30 s; a forged X-User-Id on POST /me/data-export -> {await TryPostAsync(http, "/me/data-export")}");
            }

            Assert.NotEqual(0, host.ExitCode);
            Assert.Contains(output, line => line.Contains("Sample:TrustHeaders", StringComparison.Ordinal) && line.Contains("authentication", StringComparison.Ordinal));
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
                await host.WaitForExitAsync();
            }
        }
    }

    private static async Task<HttpStatusCode?> TryPostAsync(HttpClient http, string path)
    {
        try
        {
            return (await http.PostAsJsonAsync(path, new { })).StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
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
