using DataGuard.DependencyInjection;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DataGuard.AspNetCore.Tests.Infrastructure;

/// <summary>
/// An ASP.NET Core application on a real Kestrel port (127.0.0.1, a free port) with DataGuard over a test database and a
/// local-disk store, the tests' sign-in (<see cref="TestUserAuthentication"/>) and a policy <c>operators</c> (role operator).
/// </summary>
internal sealed class TestHost : IAsyncDisposable
{
    public const string Schema = """
        CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL);
        CREATE TABLE orders (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, total numeric(10, 2) NOT NULL);
        CREATE TABLE audit_log (id serial PRIMARY KEY, user_id int NOT NULL REFERENCES users, action text NOT NULL, created_at timestamptz NOT NULL);
        INSERT INTO users VALUES (1, 'a@example.com'), (2, 'b@example.com'), (3, 'c@example.com');
        INSERT INTO orders VALUES (10, 1, 9.90), (11, 1, 5.00), (20, 2, 7.00), (30, 3, 1.00);
        """;

    private TestHost(WebApplication app, string root, CapturedLogs logs)
    {
        App = app;
        Root = root;
        Logs = logs;
        BaseAddress = new Uri(app.Urls.First());
    }

    public WebApplication App { get; }

    public IServiceProvider Services => App.Services;

    public string Root { get; }

    public CapturedLogs Logs { get; }

    public Uri BaseAddress { get; }

    public static async Task<TestHost> StartAsync(TestDatabase database, Action<WebApplication> map, string environment = "Production", IDictionary<string, string?>? configuration = null, Action<IServiceCollection>? services = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "dataguard-web-" + Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment, ContentRootPath = AppContext.BaseDirectory });
        var settings = new Dictionary<string, string?>
        {
            ["DataGuard:Postgres:ConnectionString"] = database.ConnectionString,
            ["DataGuard:Storage:Provider"] = "FileSystem",
            ["DataGuard:Storage:FileSystem:Root"] = root,
            ["DataGuard:Backup:Schedule"] = string.Empty,
            ["DataGuard:Retention:Schedule"] = string.Empty,
            ["DataGuard:Retention:ValidateCatalogOnStart"] = "false",
            ["DataGuard:Drills:Schedule"] = string.Empty,
            ["DataGuard:Pitr:BaseBackupSchedule"] = string.Empty,
            ["DataGuard:Export:Subject:Table"] = "public.users",
            ["DataGuard:Export:Subject:Key"] = "id",
            ["DataGuard:Export:PollInterval"] = "00:00:01",
            ["DataGuard:Export:RateLimit"] = "01:00:00",
            ["DataGuard:Migrations:RestorePointBeforeChange"] = "false",
        };
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");   // after the sources are replaced: a free port, never the default 5000
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders().AddProvider(logs);
        var dataGuard = builder.Services.AddDataGuard().AddPostgres().AddDashboard();
        if (settings.GetValueOrDefault("DataGuard:Storage:Provider") == "S3")
        {
            dataGuard.AddS3Storage();
        }

        builder.Services.AddAuthentication(TestUserAuthentication.SchemeName).AddScheme<AuthenticationSchemeOptions, TestUserAuthentication>(TestUserAuthentication.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy("operators", p => p.RequireAuthenticatedUser().RequireRole("operator"));
        builder.Services.AddProblemDetails();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        map(app);
        await app.StartAsync();
        return new TestHost(app, root, logs);
    }

    public HttpClient Client(string? user = null, string? role = null)
    {
        var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = BaseAddress };
        if (user is not null)
        {
            client.DefaultRequestHeaders.Add("X-Test-User", user);
        }

        if (role is not null)
        {
            client.DefaultRequestHeaders.Add("X-Test-Role", role);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
