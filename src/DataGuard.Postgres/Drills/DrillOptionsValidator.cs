using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Drills;

/// <summary>Checks the drill options at start-up.</summary>
internal sealed class DrillOptionsValidator : IValidateOptions<DrillOptions>
{
    public ValidateOptionsResult Validate(string? name, DrillOptions options)
    {
        const string path = DrillOptions.SectionPath;
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Schedule))
        {
            try
            {
                DataGuard.Scheduling.CronSchedule.Parse(options.Schedule, "UTC");
            }
            catch (FormatException ex)
            {
                failures.Add($"{path}:Schedule: {ex.Message}");
            }
        }

        if (options.MaxInterval <= TimeSpan.Zero || options.RtoTarget <= TimeSpan.Zero)
        {
            failures.Add($"{path}:MaxInterval and RtoTarget must be positive.");
        }

        if (!System.Text.RegularExpressions.Regex.IsMatch(options.DatabasePrefix, "^[a-z_][a-z0-9_]{0,40}$"))
        {
            failures.Add($"{path}:DatabasePrefix must be lowercase letters, digits and '_' (is '{options.DatabasePrefix}').");
        }

        if (options.Kind is not ("logical" or "physical"))
        {
            failures.Add($"{path}:Kind must be logical or physical (is '{options.Kind}').");
        }
        else if (options.Kind == "physical" && string.IsNullOrWhiteSpace(options.RestoreCommand))
        {
            failures.Add($"{path}:RestoreCommand is required when Kind is physical (the restored server fetches WAL with it).");
        }

        foreach (var (check, i) in options.Checks.Select((c, i) => (c, i)))
        {
            if (string.IsNullOrWhiteSpace(check.Name) || string.IsNullOrWhiteSpace(check.Sql))
            {
                failures.Add($"{path}:Checks:{i}: Name and Sql are required.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
