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

    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    public async Task A_whitespace_subject_is_a_403_problem_and_nothing_is_queued(string subject)
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export", o => o.SubjectResolver = _ => subject));
        using var alice = host.Client("1");

        foreach (var response in new[] { await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } }), await alice.GetAsync($"/me/data-export/{Guid.NewGuid()}") })
        {
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("No data subject", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        // Nothing queued: no job row, and on a fresh database not even the jobs table (the schema is made on first use).
        Assert.Equal(0L, await database.ScalarAsync<long>(
            "SELECT CASE WHEN to_regclass('dataguard.export_jobs') IS NULL THEN 0 ELSE (xpath('/row/c/text()', query_to_xml('SELECT count(*) AS c FROM dataguard.export_jobs', false, true, '')))[1]::text::bigint END"));
    }

    [Fact]
    public async Task A_subject_claim_of_the_wrong_type_for_the_key_is_a_403_not_a_503()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        using var mallory = host.Client("abc");

        var response = await mallory.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No data subject", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_failed_job_shows_the_user_a_fixed_message_not_the_internal_error()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        using var alice = host.Client("1");
        var location = (await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).Headers.Location!.ToString();
        var id = Guid.Parse(location.Split('/')[^1]);
        await Eventually.WaitUntilAsync(async () => (await alice.GetFromJsonAsync<JsonElement>(location)).GetProperty("status").GetString() == "ready", TimeSpan.FromSeconds(60), "the export to be ready");
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("UPDATE dataguard.export_jobs SET status = 'failed', error = '42501: permission denied for table secret_payroll (subject 1, host=10.0.0.5)' WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", id);
            await command.ExecuteNonQueryAsync();
        }

        var body = await alice.GetStringAsync(location);
        var view = JsonDocument.Parse(body).RootElement;

        Assert.Equal("failed", view.GetProperty("status").GetString());
        Assert.DoesNotContain("secret_payroll", body, StringComparison.Ordinal);
        Assert.DoesNotContain("42501", body, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.0.5", body, StringComparison.Ordinal);
        Assert.Equal(DataGuard.AspNetCore.Export.ExportJobView.FailedMessage, view.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_misspelled_authorization_policy_fails_start_up_naming_it()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export", o => o.AuthorizationPolicy = "exporterz")));

        Assert.Contains("'exporterz'", error.Message, StringComparison.Ordinal);
    }
}
