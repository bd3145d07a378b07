using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using DataGuard.AspNetCore.Export;
using DataGuard.AspNetCore.Tests.Infrastructure;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.AspNetCore.Tests.Export;

/// <summary>
/// Subject keys of types with a modifier or a collation (found in hostile review): a cast to varchar(8) or numeric(10,2)
/// truncates or rounds, so a longer claim named another user; a case-insensitive key hid a user's own job.
/// </summary>
public sealed class ExportSubjectKeyTypeTests
{
    private const string Members = """
        CREATE TABLE members (handle varchar(8) PRIMARY KEY, email text NOT NULL);
        CREATE TABLE posts (id int PRIMARY KEY, handle varchar(8) NOT NULL REFERENCES members, body text NOT NULL);
        INSERT INTO members VALUES ('alice123', 'alice-secret@example.com'), ('bob', 'bob@example.com');
        INSERT INTO posts VALUES (1, 'alice123', 'alice private post');
        """;

    private static Dictionary<string, string?> Subject(string table, string key) => new()
    {
        ["DataGuard:Export:Subject:Table"] = table,
        ["DataGuard:Export:Subject:Key"] = key,
    };

    [Fact]
    public async Task A_longer_claim_is_not_truncated_into_another_users_varchar_key()
    {
        await using var database = await TestDatabase.CreateAsync(Members);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: Subject("public.members", "handle"));
        using var mallory = host.Client("alice123-mallory");

        var posted = await mallory.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });

        Assert.NotEqual(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.True((int)posted.StatusCode < 500, $"{(int)posted.StatusCode}");
    }

    [Fact]
    public async Task A_longer_claim_cannot_read_the_status_of_the_victims_job()
    {
        await using var database = await TestDatabase.CreateAsync(Members);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: Subject("public.members", "handle"));
        using var alice = host.Client("alice123");
        using var mallory = host.Client("alice123XYZ");

        var posted = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var location = posted.Headers.Location!.ToString();

        var stolen = await mallory.GetAsync(location);
        Assert.True(stolen.StatusCode == HttpStatusCode.NotFound, $"mallory read alice's job: {(int)stolen.StatusCode} {await stolen.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task A_longer_claim_does_not_use_up_the_victims_rate_limit()
    {
        await using var database = await TestDatabase.CreateAsync(Members);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: Subject("public.members", "handle"));
        using var alice = host.Client("alice123");
        using var mallory = host.Client("alice123!");

        var first = await mallory.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        var own = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.True(own.StatusCode == HttpStatusCode.Accepted, $"mallory={(int)first.StatusCode}; alice then got {(int)own.StatusCode} {await own.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Numeric_scale_rounding_does_not_make_two_keys_one()
    {
        await using var database = await TestDatabase.CreateAsync("""
            CREATE TABLE accounts (no numeric(10, 2) PRIMARY KEY, email text NOT NULL);
            INSERT INTO accounts VALUES (1.00, 'one@example.com');
            """);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: Subject("public.accounts", "no"));
        using var mallory = host.Client("1.004");
        var posted = await mallory.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.NotEqual(HttpStatusCode.Accepted, posted.StatusCode);
        Assert.True((int)posted.StatusCode < 500, $"{(int)posted.StatusCode}");
    }

    [Fact]
    public async Task A_user_can_read_their_own_job_when_the_key_column_has_a_case_insensitive_collation()
    {
        await using var database = await TestDatabase.CreateAsync("""
            CREATE COLLATION ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
            CREATE TABLE people (login text COLLATE ci PRIMARY KEY, email text NOT NULL);
            INSERT INTO people VALUES ('alice', 'alice@example.com');
            """);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: Subject("public.people", "login"));
        using var alice = host.Client("Alice");
        var posted = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.True(posted.StatusCode == HttpStatusCode.Accepted, $"{(int)posted.StatusCode} {await posted.Content.ReadAsStringAsync()}");
        var status = await alice.GetAsync(posted.Headers.Location!.ToString());
        Assert.True(status.StatusCode == HttpStatusCode.OK, $"own job: {(int)status.StatusCode} {await status.Content.ReadAsStringAsync()}");
    }

    [Theory]
    [InlineData("\uD800")]
    [InlineData("a\0b")]
    public async Task An_odd_claim_is_never_a_500(string claim)
    {
        await using var database = await TestDatabase.CreateAsync(TestHost.Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export", o => o.SubjectResolver = u => u.FindFirst(ClaimTypes.NameIdentifier)?.Value == "odd" ? claim : u.FindFirst(ClaimTypes.NameIdentifier)?.Value));
        using var alice = host.Client("1");
        var posted = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        using var odd = host.Client("odd");
        var request = await odd.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });
        var status = await odd.GetAsync(posted.Headers.Location!.ToString());
        var logs = string.Join("\n", host.Logs.Messages.Select(e => $"{e.Level} {e.Id} {e.Message}"));
        Assert.True((int)request.StatusCode < 500 && (int)status.StatusCode < 500, $"POST {(int)request.StatusCode}, GET {(int)status.StatusCode}\n{logs[..Math.Min(1500, logs.Length)]}");
    }
}
