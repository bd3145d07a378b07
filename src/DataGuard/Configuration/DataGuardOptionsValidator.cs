using DataGuard.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace DataGuard.Configuration;

/// <summary>
/// Checks <see cref="DataGuardOptions"/> at start-up: the time zone, and that every key under <c>DataGuard</c> in the
/// configuration is one some option reads (a typo fails the start, naming the key and the nearest valid name).
/// </summary>
internal sealed class DataGuardOptionsValidator(IEnumerable<OptionsSection> sections, IEnumerable<OptionsShape> nested, IConfiguration? configuration = null) : IValidateOptions<DataGuardOptions>
{
    public ValidateOptionsResult Validate(string? name, DataGuardOptions options)
    {
        var failures = new List<string>();
        try
        {
            CronSchedule.Parse("0 0 * * *", options.TimeZone);
        }
        catch (FormatException ex)
        {
            failures.Add($"{DataGuardOptions.SectionName}:TimeZone: {ex.Message}");
        }

        if (configuration is not null)
        {
            failures.AddRange(UnknownConfigurationKeys.Find(configuration, sections, nested));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
