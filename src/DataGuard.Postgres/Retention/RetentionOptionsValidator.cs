using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Retention;

/// <summary>Checks the retention options' shape at start-up; messages name the policy. The catalog check (table and columns exist) runs before each run.</summary>
internal sealed class RetentionOptionsValidator : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        const string path = RetentionOptions.SectionPath;
        var failures = new List<string>();
        if (options.BatchSize is < 1 or > 1_000_000)
        {
            failures.Add($"{path}:BatchSize must be between 1 and 1,000,000 (is {options.BatchSize}).");
        }

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

        foreach (var (policy, index) in options.Policies.Select((p, i) => (p, i)))
        {
            var label = $"{path}:Policies:{index} ('{policy.Name}')";
            if (string.IsNullOrWhiteSpace(policy.Name))
            {
                failures.Add($"{label}: Name is required.");
            }

            if (PgIdentifiers.SplitQualified(policy.Table) is null)
            {
                failures.Add($"{label}: Table must be schema.table (is '{policy.Table}').");
            }

            if (string.IsNullOrWhiteSpace(policy.TimestampColumn))
            {
                failures.Add($"{label}: TimestampColumn is required.");
            }

            if (policy.MaxAge <= TimeSpan.Zero)
            {
                failures.Add($"{label}: MaxAge must be positive (is {policy.MaxAge}).");
            }
        }

        foreach (var duplicate in options.Policies.GroupBy(p => p.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            failures.Add($"{path}:Policies: the name '{duplicate.Key}' is used {duplicate.Count()} times.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
