using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DataGuard.AspNetCore.Tests.Infrastructure;

namespace DataGuard.AspNetCore.Tests.Export;

/// <summary>
/// A subject key has many spellings ("1", "01", "+1" for an integer; upper- and lower-case uuids): all of them select the
/// same person's rows, so they must be one subject for the rate limit and for job ownership.
/// </summary>
public sealed class ExportSubjectSpellingTests
{
    [Fact]
    public async Task Spellings_of_one_integer_key_share_the_rate_limit_and_the_job_records_the_canonical_key()
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        using var padded = host.Client("01");

        var first = await padded.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.True(first.StatusCode == HttpStatusCode.Accepted, $"{(int)first.StatusCode} {await first.Content.ReadAsStringAsync()}");
        var location = first.Headers.Location!.ToString();

        foreach (var spelling in new[] { "1", "+1", "001" })
        {
            using var other = host.Client(spelling);
            var again = await other.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
            Assert.True(again.StatusCode == HttpStatusCode.TooManyRequests, $"'{spelling}': {(int)again.StatusCode} {await again.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal("1", await database.ScalarAsync<string>("SELECT string_agg(subject, ',') FROM dataguard.export_jobs"));

        // The job is subject 1's, whichever spelling of 1 asks; never another subject's.
        using var plain = host.Client("1");
        Assert.Equal(HttpStatusCode.OK, (await plain.GetAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await padded.GetAsync(location)).StatusCode);
        using var bob = host.Client("2");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync(location)).StatusCode);
        using var mallory = host.Client("abc");
        Assert.Equal(HttpStatusCode.Forbidden, (await mallory.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.GetAsync(location)).StatusCode);
    }

    [Fact]
    public async Task Upper_and_lower_case_spellings_of_a_uuid_key_are_one_subject()
    {
        const string Id = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
        await using var database = await TestDatabase.CreateAsync($"""
            CREATE TABLE accounts (id uuid PRIMARY KEY, email text NOT NULL);
            CREATE TABLE notes (id int PRIMARY KEY, account_id uuid NOT NULL REFERENCES accounts, body text NOT NULL);
            INSERT INTO accounts VALUES ('{Id}', 'a@example.com'), ('b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12', 'b@example.com');
            INSERT INTO notes VALUES (1, '{Id}', 'hello');
            """);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: new Dictionary<string, string?>
        {
            ["DataGuard:Export:Subject:Table"] = "public.accounts",
        });
        using var upper = host.Client(Id.ToUpperInvariant());
        using var lower = host.Client(Id);
        using var braced = host.Client("{" + Id + "}");

        var first = await upper.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.True(first.StatusCode == HttpStatusCode.Accepted, $"{(int)first.StatusCode} {await first.Content.ReadAsStringAsync()}");
        var location = first.Headers.Location!.ToString();
        foreach (var other in new[] { lower, braced })
        {
            var again = await other.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
            Assert.True(again.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)again.StatusCode} {await again.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(Id, await database.ScalarAsync<string>("SELECT string_agg(subject, ',') FROM dataguard.export_jobs"));
        Assert.Equal(HttpStatusCode.OK, (await lower.GetAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await upper.GetAsync(location)).StatusCode);
    }

    [Theory]
    [InlineData("99999999999")]
    [InlineData("1.5")]
    [InlineData("one")]
    public async Task A_claim_that_is_no_value_of_the_key_type_is_a_403_problem_never_a_5xx(string claim)
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"));
        using var client = host.Client(claim);

        var response = await client.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No data subject", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }
}
