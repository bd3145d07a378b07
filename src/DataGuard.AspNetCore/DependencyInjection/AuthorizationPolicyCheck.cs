using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.AspNetCore.DependencyInjection;

/// <summary>Checks when endpoints are mapped that a named authorization policy exists, so a misspelled name fails start-up instead of every request (500).</summary>
internal static class AuthorizationPolicyCheck
{
    /// <summary>Throws when <paramref name="policy"/> is not known to the host's <see cref="IAuthorizationPolicyProvider"/>.</summary>
    public static void RequireKnown(IServiceProvider services, string policy, string mapping)
    {
        if (services.GetService<IAuthorizationPolicyProvider>() is not { } provider)
        {
            throw new InvalidOperationException($"{mapping} requires the authorization policy '{policy}', but authorization is not set up: call services.AddAuthorization() and register the policy.");
        }

        // Mapping runs once at start-up; the default provider answers synchronously.
        if (provider.GetPolicyAsync(policy).GetAwaiter().GetResult() is null)
        {
            throw new InvalidOperationException($"{mapping} requires the authorization policy '{policy}', which is not registered: add it (services.AddAuthorizationBuilder().AddPolicy(\"{policy}\", ...)) or fix the name.");
        }
    }
}
