using DataGuard.IntegrationTests.Infrastructure;
using Npgsql;

namespace DataGuard.IntegrationTests.Supabase;

/// <summary>
/// Two PostgreSQL 15 clusters of the Supabase tests' own (scripts/services.sh, separate state folders): one shaped like
/// the Supabase platform (its roles, from Fixtures/roles.sql: supabase_admin the superuser, the project's role a
/// NOSUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS one), where source projects and target projects are databases;
/// and one plain cluster with nothing of Supabase, where restores go as a non-superuser role.
/// </summary>
public sealed class SupabaseLab : IAsyncLifetime
{
    public const string ProjectRole = "project_owner";
    public const string ProjectPassword = "owner-secret";
    public const string PlainRole = "app_restorer";
    public const string PlainPassword = "restorer-secret";

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"dataguard-supabase-{Guid.NewGuid():N}");

    public string PlatformAdmin { get; private set; } = null!;

    public string PlainAdmin { get; private set; } = null!;

    public static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(RepositoryPaths.Root, "tests", "DataGuard.IntegrationTests", "Supabase", "Fixtures", name));

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        var started = await Task.WhenAll(StartClusterAsync("platform"), StartClusterAsync("plain"));
        (PlatformAdmin, PlainAdmin) = (started[0], started[1]);
        await ExecuteAsync(PlatformAdmin, Fixture("roles.sql"));
        await ExecuteAsync(PlainAdmin, $"CREATE ROLE {PlainRole} LOGIN NOSUPERUSER CREATEDB CREATEROLE PASSWORD '{PlainPassword}'");
    }

    /// <summary>A new Supabase-shaped database on the platform cluster: the platform's schemas, and the application's when asked.</summary>
    public async Task<string> CreateProjectAsync(bool withApplication)
    {
        var name = $"sb_{Guid.NewGuid():N}"[..20];
        await ExecuteAsync(PlatformAdmin, $"CREATE DATABASE {name} OWNER {ProjectRole}");
        var admin = On(PlatformAdmin, name);
        await ExecuteAsync(admin, Fixture("platform.sql").Replace("CURRENT_DATABASE_PLACEHOLDER", name, StringComparison.Ordinal));
        if (withApplication)
        {
            await ExecuteAsync(ProjectConnection(name), Fixture("app.sql"));
            await ExecuteAsync(admin, "ALTER PUBLICATION supabase_realtime ADD TABLE public.todos");
        }

        return name;
    }

    /// <summary>The project's role (not a superuser) on a database of the platform cluster.</summary>
    public string ProjectConnection(string database) =>
        new NpgsqlConnectionStringBuilder(PlatformAdmin) { Database = database, Username = ProjectRole, Password = ProjectPassword, Pooling = false }.ConnectionString;

    /// <summary>The plain cluster's non-superuser role on a database.</summary>
    public string PlainConnection(string database) =>
        new NpgsqlConnectionStringBuilder(PlainAdmin) { Database = database, Username = PlainRole, Password = PlainPassword, Pooling = false }.ConnectionString;

    public static string On(string connectionString, string database) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Database = database }.ConnectionString;

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var cluster in new[] { "platform", "plain" })
        {
            await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "stop"], new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = Path.Combine(_root, cluster) });
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<string> StartClusterAsync(string name)
    {
        var stateDir = Path.Combine(_root, name);
        Directory.CreateDirectory(stateDir);
        File.SetUnixFileMode(stateDir, (UnixFileMode)0b111_101_101);
        var (code, output, error) = await ProcessRunner.RunAsync("bash", [RepositoryPaths.ServicesScript, "start", "postgres"], new Dictionary<string, string> { ["DATAGUARD_STATE_DIR"] = stateDir });
        Assert.True(code == 0, $"scripts/services.sh start postgres ({name}) failed: {error}");
        var exports = ServicesScript.ParseExports(output);
        return new NpgsqlConnectionStringBuilder(exports["DATAGUARD_TEST_POSTGRES"]) { Pooling = false }.ConnectionString;
    }
}

/// <summary>The Supabase tests' collection: they share <see cref="SupabaseLab"/>.</summary>
[CollectionDefinition(Name)]
public sealed class SupabaseCollection : ICollectionFixture<SupabaseLab>
{
    public const string Name = "Supabase";
}
