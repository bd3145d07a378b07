using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Retention;

/// <summary>Checks the retention policies against the catalog when the host starts: a missing table or column, or a wrong type, stops the start with the policy's name.</summary>
internal sealed class RetentionCatalogCheck(RetentionRunner runner, IOptions<RetentionOptions> options, ILogger<RetentionCatalogCheck> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        if (!value.ValidateCatalogOnStart || value.Policies.Count == 0)
        {
            return;
        }

        await runner.ValidateAsync(cancellationToken).ConfigureAwait(false);
        RetentionLog.Validated(logger, value.Policies.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
