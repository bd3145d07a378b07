using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Checks the retention policies against the catalog when the host starts: a missing table or column, or a wrong
/// type, stops the start with the policy's name. A database that cannot be reached at that moment does not stop the
/// host (it is logged); the same check runs again before every retention run.
/// </summary>
internal sealed class RetentionCatalogCheck(RetentionRunner runner, IOptions<RetentionOptions> options, ILogger<RetentionCatalogCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        if (!value.ValidateCatalogOnStart || value.Policies.Count == 0)
        {
            return;
        }

        try
        {
            await runner.ValidateAsync(cancellationToken).ConfigureAwait(false);
            RetentionLog.Validated(logger, value.Policies.Count);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException)
        {
            RetentionLog.NotValidated(logger, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
