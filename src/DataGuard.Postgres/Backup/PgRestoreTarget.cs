using DataGuard.Backup;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>The database a restore writes into: resolved from a name on the configured server or a connection string, checked, created when asked.</summary>
internal sealed class PgRestoreTarget
{

    private const string UserTablesSql = """
        SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
        """;

    private readonly NpgsqlDataSource _configuredSource;
    private readonly NpgsqlConnectionStringBuilder _configured;
    private readonly RestoreRequest _request;

    public PgRestoreTarget(NpgsqlDataSource configuredSource, NpgsqlConnectionStringBuilder configured, RestoreRequest request)
    {
        _configuredSource = configuredSource;
        _configured = configured;
        _request = request;
        if (!string.IsNullOrWhiteSpace(request.TargetConnectionString))
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(request.TargetConnectionString);
        }
        else if (!string.IsNullOrWhiteSpace(request.TargetDatabase))
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(configured.ConnectionString) { Database = request.TargetDatabase };
        }
        else
        {
            throw new RestoreRefusedException("A restore needs a target: a database name (--to-database) or a connection string.") { Operation = "restore" };
        }

        ConnectionString.Pooling = false;
    }

    public NpgsqlConnectionStringBuilder ConnectionString { get; }

    private string Describe => PostgresTarget.Describe(ConnectionString.ConnectionString);

    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
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
            return;
        }
        catch (NpgsqlException ex)
        {
            throw new BackupFailedException($"Cannot connect to the restore target {Describe}: {ex.Message}", ex) { Operation = "restore" };
        }

        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand(UserTablesSql, connection);
            await using var commandScope = command.ConfigureAwait(false);
            var tables = (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            if (tables > 0 && !_request.Clean)
            {
                throw new RestoreRefusedException($"The target database {Describe} already holds {tables} user tables; the restore was refused and nothing was changed. Restore into a new database (--create), or replace the archive's objects with --clean.") { Operation = "restore" };
            }
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

    private async Task CreateAsync(CancellationToken cancellationToken)
    {
        var sameServer = string.Equals(ConnectionString.Host, _configured.Host, StringComparison.OrdinalIgnoreCase) && ConnectionString.Port == _configured.Port;
        if (sameServer)
        {
            await CreateWithAsync(_configuredSource, cancellationToken).ConfigureAwait(false);
            return;
        }

        var admin = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString.ConnectionString) { Database = "postgres" });
        await using (admin.ConfigureAwait(false))
        {
            await CreateWithAsync(admin, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CreateWithAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        var connection = await source.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand($"CREATE DATABASE {PgIdentifiers.Quote(ConnectionString.Database!)}", connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
