using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataGuard.AspNetCore.Export;
using DataGuard.AspNetCore.Tests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.AspNetCore.Tests.Export;

/// <summary>MapDataGuardExports over HTTP against a real PostgreSQL: the subject is always the signed-in user's.</summary>
public sealed class ExportEndpointTests
{
    [Fact]
    public async Task Unauthenticated_requests_get_401_and_nothing_is_queued()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        using var anonymous = host.Client();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/me/data-export", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/me/data-export/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/me/data-export/{Guid.NewGuid()}/files/json")).StatusCode);
        Assert.Empty(await host.Services.GetRequiredService<ExportJobs>().ListAsync());
    }

    [Fact]
    public async Task Another_users_export_is_never_reachable_and_the_body_cannot_choose_the_subject()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        using var alice = host.Client("1");
        using var bob = host.Client("2");

        var posted = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var location = posted.Headers.Location!.ToString();
        var id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal($"/me/data-export/{id}", location);
        JsonElement job = default;
        await Eventually.WaitUntilAsync(async () => (job = await alice.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString() == "ready", TimeSpan.FromSeconds(60), "the export to be ready");
        var file = job.GetProperty("files")[0].GetProperty("url").GetString()!;
        var own = await alice.GetAsync(file);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(2, JsonDocument.Parse(await own.Content.ReadAsStringAsync()).RootElement.GetProperty("tables").GetProperty("public.orders").GetArrayLength());

        // Bob tries Alice's job id on every endpoint, with and without a format, in other casings: never more than a 404 that looks like a missing id.
        foreach (var path in new[] { location, location.ToUpperInvariant().Replace("/ME/DATA-EXPORT", "/me/data-export", StringComparison.Ordinal), file, $"{location}/files/JSON", $"{location}/files/csv" })
        {
            var response = await bob.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain("a@example.com", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var missing = await bob.GetAsync($"/me/data-export/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(
            (await missing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(),
            (await (await bob.GetAsync(location)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());

        // A body naming another subject is ignored: Bob's request is Bob's.
        var sneaky = await bob.PostAsJsonAsync("/me/data-export", new { subject = "1", formats = new[] { "json" } });
        Assert.Equal(HttpStatusCode.Accepted, sneaky.StatusCode);
        var bobsJob = await host.Services.GetRequiredService<ExportJobs>().GetExportAsync((await sneaky.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        Assert.Equal("2", bobsJob!.Subject);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync($"/me/data-export/{bobsJob.Id}")).StatusCode);
    }

    [Fact]
    public async Task Download_redirects_to_the_expiring_S3_link_and_only_for_the_owner()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        using var bucket = await TestBucket.CreateAsync();
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: bucket.Configuration);
        using var alice = host.Client("1");
        var location = (await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).Headers.Location!.ToString();
        JsonElement job = default;
        await Eventually.WaitUntilAsync(async () => (job = await alice.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString() == "ready", TimeSpan.FromSeconds(60), "the export to be ready");
        var file = job.GetProperty("files")[0].GetProperty("url").GetString()!;

        var redirect = await alice.GetAsync(file);

        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("no-store", redirect.Headers.CacheControl?.ToString());
        var link = redirect.Headers.Location!;
        Assert.Contains(bucket.Name, link.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("X-Amz-Signature", link.Query, StringComparison.Ordinal);
        using var plain = new HttpClient();
        var json = JsonDocument.Parse(await plain.GetStringAsync(link));
        Assert.Equal(2, json.RootElement.GetProperty("tables").GetProperty("public.orders").GetArrayLength());
        using var bob = host.Client("2");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync(file)).StatusCode);
    }

    [Fact]
    public async Task A_second_request_within_the_rate_limit_gets_429_problem_details_with_Retry_After()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        using var alice = host.Client("1");

        Assert.Equal(HttpStatusCode.Accepted, (await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).StatusCode);
        var limited = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        var problem = await limited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Equal("Too many export requests", problem.GetProperty("title").GetString());
        Assert.True(problem.TryGetProperty("retryAfter", out _));
        var retryAfter = limited.Headers.RetryAfter!.Delta!.Value;
        Assert.InRange(retryAfter, TimeSpan.FromMinutes(55), TimeSpan.FromMinutes(61));

        // Another user is not limited by Alice's request.
        using var bob = host.Client("2");
        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).StatusCode);
    }

    [Fact]
    public async Task Errors_are_problem_details_and_the_subject_can_come_from_another_claim()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/api/export", o => o.SubjectResolver = user => user.FindFirst("tenant_user")?.Value is { } v ? v[2..] : null));

        using var unknown = host.Client("99");
        var noData = await unknown.PostAsJsonAsync("/api/export", new { });
        Assert.Equal(HttpStatusCode.NotFound, noData.StatusCode);
        Assert.Equal("No data to export", (await noData.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var carol = host.Client("3");
        var badFormat = await carol.PostAsJsonAsync("/api/export", new { formats = new[] { "xlsx" } });
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        Assert.Contains("Unknown export format 'xlsx'", (await badFormat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);

        var ok = await carol.PostAsJsonAsync("/api/export", new { formats = new[] { "json" } });
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        Assert.Equal("3", (await host.Services.GetRequiredService<ExportJobs>().ListAsync()).Single().Subject);
    }

    [Fact]
    public async Task A_host_without_an_export_subject_answers_503_and_logs_why_instead_of_blaming_the_request()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: new Dictionary<string, string?> { ["DataGuard:Export:Subject:Table"] = string.Empty });
        using var alice = host.Client("1");

        var response = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Export service unavailable", problem.GetProperty("title").GetString());
        Assert.DoesNotContain("Subject:Table", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(host.Logs.Messages, m => m.Id.Id == 1902 && m.Message.Contains("DataGuard:Export:Subject:Table is not set", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, (await alice.PostAsJsonAsync("/me/data-export", new { formats = Array.Empty<string>() })).StatusCode);
    }

    [Fact]
    public async Task Each_endpoint_has_a_name_a_summary_responses_and_requires_authorization()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        var endpoints = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Where(e => e.RoutePattern.RawText!.StartsWith("/me/data-export", StringComparison.Ordinal)).ToList();

        Assert.Equal(3, endpoints.Count);
        foreach (var endpoint in endpoints)
        {
            Assert.NotNull(endpoint.Metadata.GetMetadata<IEndpointNameMetadata>());
            Assert.False(string.IsNullOrWhiteSpace(endpoint.Metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary));
            Assert.NotEmpty(endpoint.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>());
            Assert.Contains(endpoint.Metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>(), p => p.StatusCode == StatusCodes.Status404NotFound);
        }

        Assert.Equal(
            new[] { ExportEndpoints.DownloadName, ExportEndpoints.RequestName, ExportEndpoints.StatusName }.Order(),
            endpoints.Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName).Order());
    }
}
