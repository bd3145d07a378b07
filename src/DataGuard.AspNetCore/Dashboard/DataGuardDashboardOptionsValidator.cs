using Microsoft.Extensions.Options;

namespace DataGuard.AspNetCore.Dashboard;

/// <summary>Checks <c>DataGuard:Dashboard</c> at start-up.</summary>
internal sealed class DataGuardDashboardOptionsValidator : IValidateOptions<DataGuardDashboardOptions>
{
    public ValidateOptionsResult Validate(string? name, DataGuardDashboardOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AuthorizationPolicy is { } policy && string.IsNullOrWhiteSpace(policy)
            ? ValidateOptionsResult.Fail($"{DataGuardDashboardOptions.SectionPath}:AuthorizationPolicy is empty: name a policy, or leave it unset and give one to MapDataGuardDashboard.")
            : ValidateOptionsResult.Success;
    }
}
