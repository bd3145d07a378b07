using DataGuard.Diagnostics;
using DataGuard.Postgres.Tools;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Diagnostics;

/// <summary>
/// Doctor check: PostgreSQL answers (and its version), and pg_dump / pg_restore exist and are at least the
/// server's major version. Never echoes the password.
/// </summary>
internal sealed class PostgresDoctorCheck(IOptions<PostgresOptions> postgres, DataGuardDataSource dataSource, PgToolLocator locator) : IDoctorCheck
{
    private static readonly string[] Tools = ["pg_dump", "pg_restore"];

    public string Name => "postgres";

    public int Order => 100;

    public async Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        PostgresOptions options;
        try
        {
            options = postgres.Value;
        }
        catch (OptionsValidationException ex)
        {
            return [DoctorCheckResult.Fail(Name, "not checked: the PostgreSQL options are invalid", string.Join(" ", ex.Failures))];
        }

        var target = PostgresTarget.Describe(options.ConnectionString);
        Version serverVersion;
        var results = new List<DoctorCheckResult>();
        try
        {
            var connection = await dataSource.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                serverVersion = connection.PostgreSqlVersion;
                results.Add(DoctorCheckResult.Ok(Name, $"PostgreSQL {connection.ServerVersion} at {target}"));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or ArgumentException or InvalidOperationException)
        {
            results.Add(DoctorCheckResult.Fail(Name, $"cannot connect to {target}: {Sanitize(ex.Message, options.ConnectionString)}", HintFor(ex)));
            return results;
        }

        foreach (var name in Tools)
        {
            try
            {
                var tool = await locator.FindForServerAsync(name, serverVersion, cancellationToken).ConfigureAwait(false);
                results.Add(DoctorCheckResult.Ok(name, $"{tool.Version} at {tool.Path} (server {serverVersion.Major})"));
            }
            catch (PgToolNotFoundException ex)
            {
                results.Add(DoctorCheckResult.Fail(name, ex.Message, $"install the PostgreSQL {serverVersion.Major} client tools or set {PostgresOptions.SectionPath}:ToolsDirectory"));
            }
        }

        return results;
    }

    private static string HintFor(Exception exception) => exception switch
    {
        PostgresException { SqlState: "28P01" or "28000" } => "check the user name and password (DataGuard__Postgres__ConnectionString)",
        PostgresException { SqlState: "3D000" } => "the database does not exist: check the Database keyword",
        _ => "check that the server runs and that host, port and firewall allow the connection",
    };

    private static string Sanitize(string message, string? connectionString)
    {
        var password = new NpgsqlConnectionStringBuilder(connectionString).Password;
        return string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);
    }
}
