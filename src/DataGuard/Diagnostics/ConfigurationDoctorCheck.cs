using Microsoft.Extensions.Options;

namespace DataGuard.Diagnostics;

/// <summary>Doctor check: every DataGuard option validates, as it must for the host to start.</summary>
internal sealed class ConfigurationDoctorCheck(IStartupValidator? validator = null) : IDoctorCheck
{
    public string Name => "configuration";

    public int Order => 0;

    public Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DoctorCheckResult> results;
        try
        {
            validator?.Validate();
            results = [DoctorCheckResult.Ok(Name, "all options valid")];
        }
        catch (Exception ex) when (ex is OptionsValidationException or AggregateException)
        {
            results = [.. OptionsFailures.Of(ex).Select(failure => DoctorCheckResult.Fail(Name, failure, "fix the option named in the message (configuration file, environment variable or code)"))];
        }

        return Task.FromResult(results);
    }
}
