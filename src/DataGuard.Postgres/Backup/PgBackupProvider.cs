using DataGuard.Postgres.Tools;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Backup;

/// <summary>What the pg_dump and pg_basebackup providers share: the options, the tools, and DataGuard's data source (built on first use).</summary>
internal abstract class PgBackupProvider
{
    private readonly DataGuardDataSource _dataSource;

    /// <summary>Initializes a new instance of the <see cref="PgBackupProvider"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source (built when first used, so listing and verifying need no database).</param>
    /// <param name="tools">The tool locator.</param>
    /// <param name="options">The PostgreSQL options.</param>
    protected PgBackupProvider(DataGuardDataSource dataSource, PgToolLocator tools, IOptions<PostgresOptions> options)
    {
        _dataSource = dataSource;
        Tools = tools;
        Options = options;
    }

    /// <summary>Gets the tool locator.</summary>
    protected PgToolLocator Tools { get; }

    /// <summary>Gets the PostgreSQL options.</summary>
    protected IOptions<PostgresOptions> Options { get; }

    /// <summary>Gets DataGuard's data source.</summary>
    protected NpgsqlDataSource DataSource => _dataSource.DataSource;

    /// <summary>Gets the configured connection string, parsed.</summary>
    protected NpgsqlConnectionStringBuilder Configured => new(Options.Value.ConnectionString);
}
