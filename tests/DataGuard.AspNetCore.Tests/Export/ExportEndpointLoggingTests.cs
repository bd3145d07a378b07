using System.Net;
using System.Net.Http.Json;
using DataGuard.AspNetCore.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace DataGuard.AspNetCore.Tests.Export;

/// <summary>A subject's key is personal data: a failing export endpoint logs what failed (operation, SQLSTATE, exception types), never the key.</summary>
public sealed class ExportEndpointLoggingTests
{
    private const string Schema = """
        CREATE TABLE people (handle text PRIMARY KEY, email text NOT NULL);
        CREATE TABLE posts (id int PRIMARY KEY, author text NOT NULL REFERENCES people, body text NOT NULL);
        INSERT INTO people VALUES ('alice-7f3c9e', 'a@example.com'), ('bob-1d2e3f', 'b@example.com'), ('carol-9a8b7c', 'c@example.com');
        INSERT INTO posts VALUES (1, 'alice-7f3c9e', 'hi'), (2, 'bob-1d2e3f', 'yo');
        """;

    [Fact]
    public async Task A_503_logs_the_sqlstate_and_the_exception_types_but_not_the_subject_key_the_database_quoted()
    {
        await using var database = await TestDatabase.CreateAsync(Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: new Dictionary<string, string?>
        {
            ["DataGuard:Export:Subject:Table"] = "public.people",
            ["DataGuard:Export:Subject:Key"] = "handle",
            ["DataGuard:Export:WorkerEnabled"] = "false",
        });
        using var bob = host.Client("bob-1d2e3f");
        Assert.Equal(HttpStatusCode.Accepted, (await bob.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).StatusCode);

        // The database refuses the job with a message that quotes the subject, as PostgreSQL's own errors quote values.
        await database.ExecuteAsync("""
            CREATE FUNCTION public.refuse_export() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              RAISE EXCEPTION 'export refused for subject %', NEW.subject;
            END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON dataguard.export_jobs FOR EACH ROW EXECUTE FUNCTION public.refuse_export();
            """);
        using var alice = host.Client("alice-7f3c9e");
        var response = await alice.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } });

        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.DoesNotContain("alice-7f3c9e", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var logged = host.Logs.Messages.ToList();
        var failure = Assert.Single(logged, m => m.Id.Id == DataGuard.Telemetry.DataGuardEventIds.AspNetCoreExportEndpointFailed);
        Assert.Equal(LogLevel.Warning, failure.Level);
        Assert.Contains("P0001", failure.Message, StringComparison.Ordinal);
        Assert.Contains("PostgresException", failure.Message, StringComparison.Ordinal);
        var leaked = logged.Where(m => m.Level >= LogLevel.Information && (m.Message.Contains("alice-7f3c9e", StringComparison.Ordinal) || m.Message.Contains("bob-1d2e3f", StringComparison.Ordinal))).ToList();
        Assert.True(leaked.Count == 0, "logged: " + string.Join(" | ", leaked.Select(m => $"{m.Level} {m.Id} {m.Message}")));
    }

    [Fact]
    public async Task A_job_whose_subject_vanished_fails_without_its_key_in_the_worker_log()
    {
        await using var database = await TestDatabase.CreateAsync(Schema);
        await using var host = await TestHost.StartAsync(database, app => app.MapDataGuardExports("/me/data-export"), configuration: new Dictionary<string, string?>
        {
            ["DataGuard:Export:Subject:Table"] = "public.people",
            ["DataGuard:Export:Subject:Key"] = "handle",
        });
        using var bob = host.Client("bob-1d2e3f");
        var first = (await bob.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).Headers.Location!.ToString();
        await Eventually.WaitUntilAsync(async () => (await bob.GetFromJsonAsync<System.Text.Json.JsonElement>(first)).GetProperty("status").GetString() == "ready", TimeSpan.FromSeconds(60), "bob's export");

        // Carol's row goes in the same transaction as her job: the worker finds no subject.
        await database.ExecuteAsync("""
            CREATE FUNCTION public.forget_person() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              DELETE FROM public.people WHERE handle = NEW.subject;
              RETURN NULL;
            END $$;
            CREATE TRIGGER forget AFTER INSERT ON dataguard.export_jobs FOR EACH ROW EXECUTE FUNCTION public.forget_person();
            """);
        using var carol = host.Client("carol-9a8b7c");
        var location = (await carol.PostAsJsonAsync("/me/data-export", new { formats = new[] { "json" } })).Headers.Location!.ToString();
        await Eventually.WaitUntilAsync(async () => (await carol.GetAsync(location)).StatusCode == HttpStatusCode.NotFound || await database.ScalarAsync<long>("SELECT count(*) FROM dataguard.export_jobs WHERE status = 'failed'") == 1, TimeSpan.FromSeconds(60), "carol's export to fail");
        await Eventually.WaitUntilAsync(() => Task.FromResult(host.Logs.Messages.Any(m => m.Id.Id == DataGuard.Telemetry.DataGuardEventIds.ExportFailed)), TimeSpan.FromSeconds(30), "the worker to log the failure");

        var failure = Assert.Single(host.Logs.Messages, m => m.Id.Id == DataGuard.Telemetry.DataGuardEventIds.ExportFailed);
        Assert.Contains("no longer exists", failure.Message, StringComparison.Ordinal);
        var leaked = host.Logs.Messages.Where(m => m.Level >= LogLevel.Information && (m.Message.Contains("carol-9a8b7c", StringComparison.Ordinal) || m.Message.Contains("bob-1d2e3f", StringComparison.Ordinal))).ToList();
        Assert.True(leaked.Count == 0, "logged: " + string.Join(" | ", leaked.Select(m => $"{m.Level} {m.Id} {m.Message}")));
    }
}
