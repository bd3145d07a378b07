using DataGuard.Backup;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>
/// The database a restore writes into: resolved from a name on the configured server or a connection string, checked
/// (a plain database name; not the production database with --clean unless confirmed; empty unless --clean), created
/// when asked, and dropped again when a restore that created it failed.
/// </summary>
internal sealed class PgRestoreTarget
{
    private const string UserTablesSql = """
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
          AND n.nspname <> ALL(@platform)
        """;

    private readonly NpgsqlDataSource _configuredSource;
    private readonly NpgsqlConnectionStringBuilder _configured;
    private readonly RestoreRequest _request;
    private readonly string[] _platformSchemas;

    public PgRestoreTarget(NpgsqlDataSource configuredSource, NpgsqlConnectionStringBuilder configured, RestoreRequest request, IReadOnlyCollection<string>? platformSchemas = null)
    {
        _platformSchemas = [.. platformSchemas ?? []];
        _configuredSource = configuredSource;
        _configured = configured;
        _request = request;
        if (!string.IsNullOrWhiteSpace(request.TargetConnectionString))
        {
            try
            {
                ConnectionString = new NpgsqlConnectionStringBuilder(request.TargetConnectionString);
            }
            catch (ArgumentException)
            {
                // Npgsql's message may quote part of the text, which may hold a password.
                throw new RestoreRefusedException("The target connection string is not a valid Npgsql connection string (Host=...;Port=...;Database=...;Username=...); nothing was touched.") { Operation = "restore" };
            }

            Database = PgDatabaseName.Require(ConnectionString.Database, "the target connection string (Database=)");
        }
        else if (request.TargetDatabase is not null)
        {
            Database = PgDatabaseName.Require(request.TargetDatabase, "--to-database");
            ConnectionString = new NpgsqlConnectionStringBuilder(configured.ConnectionString) { Database = Database };
        }
        else
        {
            throw new RestoreRefusedException("A restore needs a target: a database name (--to-database) or a connection string.") { Operation = "restore" };
        }

        ConnectionString.Pooling = false;
    }

    public NpgsqlConnectionStringBuilder ConnectionString { get; }

    /// <summary>Gets the target database's name: a plain name, checked.</summary>
    public string Database { get; }

    /// <summary>Gets a value indicating whether the target is the configured (production) database.</summary>
    public bool IsProduction =>
        SameServer(ConnectionString, _configured)
        && string.Equals(Database, _configured.Database ?? _configured.Username, StringComparison.Ordinal);

    private string Describe => PostgresTarget.Describe(ConnectionString.ConnectionString);

    public async Task<RestorePreparation> PrepareAsync(CancellationToken cancellationToken)
    {
        if (IsProduction && _request.Clean && !_request.ConfirmProduction)
        {
            throw new RestoreRefusedException($"Refusing --clean into {Describe}: it is the configured production database (DataGuard:Postgres:ConnectionString). --clean drops and recreates every object of the archive there, losing every change made since the backup. Nothing was changed. If replacing production in place is really what you want, confirm it with --confirm-production as well.") { Operation = "restore" };
        }

        var source = NpgsqlDataSource.Create(ConnectionString);
        await using var sourceScope = source.ConfigureAwait(false);
        NpgsqlConnection connection;
        try
        {
            connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            if (!_request.Create)
            {
                throw new RestoreRefusedException($"The target database {Describe} does not exist; create it, or ask for it to be created (--create).", ex) { Operation = "restore" };
            }

            await CreateAsync(cancellationToken).ConfigureAwait(false);
            return new RestorePreparation(Describe, Created: true);
        }
        catch (NpgsqlException ex)
        {
            throw new BackupFailedException($"Cannot connect to the restore target {Describe}: {ex.Message}", ex) { Operation = "restore" };
        }

        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand(UserTablesSql, connection);
            await using var commandScope = command.ConfigureAwait(false);
            command.Parameters.AddWithValue("platform", _platformSchemas);
            var tables = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (tables > 0 && !_request.Clean)
            {
                throw new RestoreRefusedException(IsProduction
                    ? $"The target database {Describe} is the configured production database and holds {tables} user tables; the restore was refused and nothing was changed. Restore into a new database (--to-database NAME --create) and copy what you need from there (docs/runbook.md)."
                    : $"The target database {Describe} already holds {tables} user tables; the restore was refused and nothing was changed. Restore into a new database (--create), or replace the archive's objects with --clean.") { Operation = "restore" };
            }
        }

        return new RestorePreparation(Describe, Created: false);
    }

    /// <summary>Drops the target database after a failed restore created it: never the production database, never a system one.</summary>
    public async Task DropAsync(CancellationToken cancellationToken)
    {
        if (IsProduction || Database is "postgres" or "template0" or "template1")
        {
            throw new RestoreRefusedException($"Refusing to drop {Describe}.") { Operation = "restore" };
        }

        try
        {
            await WithAdminAsync($"DROP DATABASE IF EXISTS {PgIdentifiers.Quote(Database)} WITH (FORCE)", cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            // The server went away with the restore, say: the caller reports this next to the restore's own failure.
            throw new BackupFailedException($"Dropping {Describe} failed: {ex.Message}", ex) { Operation = "restore" };
        }
    }

    public async Task<IReadOnlyDictionary<string, long>> CountRowsAsync(IEnumerable<string> tables, CancellationToken cancellationToken)
    {
        var source = NpgsqlDataSource.Create(ConnectionString);
        await using var sourceScope = source.ConfigureAwait(false);
        var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            if (PgIdentifiers.SplitQualified(table) is not var (schema, name))
            {
                continue;
            }

            var qualified = PgIdentifiers.QuoteQualified(schema, name);
            var exists = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
            await using var existsScope = exists.ConfigureAwait(false);
            exists.Parameters.AddWithValue("name", qualified);
            if ((bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                var count = new NpgsqlCommand($"SELECT count(*) FROM {qualified}", connection);
                await using var countScope = count.ConfigureAwait(false);
                counts[table] = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            }
        }

        return counts;
    }

    /// <summary>Two connection strings name the same server (localhost, 127.0.0.1 and ::1 are one).</summary>
    internal static bool SameServer(NpgsqlConnectionStringBuilder a, NpgsqlConnectionStringBuilder b) =>
        string.Equals(Normalize(a.Host), Normalize(b.Host), StringComparison.OrdinalIgnoreCase) && a.Port == b.Port;

    private static string Normalize(string? host) => host is null or "localhost" or "::1" ? "127.0.0.1" : host;

    private Task CreateAsync(CancellationToken cancellationToken) =>
        WithAdminAsync($"CREATE DATABASE {PgIdentifiers.Quote(Database)}", cancellationToken);

    /// <summary>Runs a statement on the target's server outside the target: through DataGuard's data source when it is the configured server, else the server's <c>postgres</c> database.</summary>
    private async Task WithAdminAsync(string sql, CancellationToken cancellationToken)
    {
        if (SameServer(ConnectionString, _configured))
        {
            await ExecuteAsync(_configuredSource, sql, cancellationToken).ConfigureAwait(false);
            return;
        }

        var admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString.ConnectionString) { Database = "postgres" });
        await using (admin.ConfigureAwait(false))
        {
            await ExecuteAsync(admin, sql, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql, CancellationToken cancellationToken)
    {
        var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
