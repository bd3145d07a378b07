using Npgsql;

namespace DataGuard.AspNetCore.Tests.Infrastructure;

/// <summary>A login role of one test that may only read (SELECT on the tables of <c>public</c> and, once it exists, of <c>dataguard</c>): no CREATE anywhere. Dropped on dispose.</summary>
internal sealed class ReadOnlyRole : IAsyncDisposable
{
    private readonly TestDatabase _database;

    private ReadOnlyRole(TestDatabase database, string name, string connectionString)
    {
        _database = database;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static async Task<ReadOnlyRole> CreateAsync(TestDatabase database)
    {
        var name = $"dg_ro_{Guid.NewGuid():N}"[..20];
        var password = Guid.NewGuid().ToString("N");
        await database.ExecuteAsync($"""
            CREATE ROLE "{name}" LOGIN PASSWORD '{password}' NOSUPERUSER NOCREATEDB NOCREATEROLE;
            REVOKE CREATE ON SCHEMA public FROM PUBLIC;
            REVOKE CREATE ON DATABASE "{database.Name}" FROM PUBLIC;
            REVOKE TEMPORARY ON DATABASE "{database.Name}" FROM PUBLIC;
            GRANT CONNECT ON DATABASE "{database.Name}" TO "{name}";
            GRANT USAGE ON SCHEMA public TO "{name}";
            GRANT SELECT ON ALL TABLES IN SCHEMA public TO "{name}";
            """);
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Username = name, Password = password }.ConnectionString;
        return new ReadOnlyRole(database, name, connectionString);
    }

    /// <summary>Lets the role read DataGuard's tables (what an operator grants a dashboard's role).</summary>
    public Task GrantDataGuardAsync() => _database.ExecuteAsync($"""
        GRANT USAGE ON SCHEMA dataguard TO "{Name}";
        GRANT SELECT ON ALL TABLES IN SCHEMA dataguard TO "{Name}";
        """);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _database.ExecuteAsync($"""DROP OWNED BY "{Name}"; DROP ROLE "{Name}";""");
    }
}
