using System.Text.RegularExpressions;
using DataGuard.Retention;
using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Retention;

/// <summary>
/// Checks the retention options' shape at start-up; messages name the policy. The catalog check (tables, columns,
/// types and functions exist) runs when the host starts and again before each run.
/// </summary>
internal sealed partial class RetentionOptionsValidator(IEnumerable<RetentionPredicate> predicates) : IValidateOptions<RetentionOptions>
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

        if (options.HmacKey is { Length: < 16 })
        {
            failures.Add($"{path}:HmacKey must be at least 16 characters.");
        }

        var registered = predicates.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (policy, index) in options.Policies.Select((p, i) => (p, i)))
        {
            var label = $"{path}:Policies:{index} ('{policy.Name}')";
            failures.AddRange(ValidatePolicy(policy, options, registered).Select(f => $"{label}: {f}"));
        }

        foreach (var duplicate in options.Policies.GroupBy(p => p.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            failures.Add($"{path}:Policies: the name '{duplicate.Key}' is used {duplicate.Count()} times.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> ValidatePolicy(RetentionPolicyOptions policy, RetentionOptions options, HashSet<string> registered)
    {
        if (!PolicyName().IsMatch(policy.Name))
        {
            yield return "Name is required: letters, digits, '.', '_' and '-' (it names archive folders).";
        }

        if (PgIdentifiers.SplitQualified(policy.Table) is null)
        {
            yield return $"Table must be schema.table (is '{policy.Table}').";
        }

        if (string.IsNullOrWhiteSpace(policy.TimestampColumn))
        {
            yield return "TimestampColumn is required.";
        }

        if (policy.MaxAge <= TimeSpan.Zero)
        {
            yield return $"MaxAge must be positive (is {policy.MaxAge}).";
        }

        if (!Enum.IsDefined(policy.Action))
        {
            yield return $"Action '{policy.Action}' is not one of {string.Join(", ", Enum.GetNames<RetentionAction>())}.";
        }

        if (policy.Predicate is { } predicate && !registered.Contains(predicate))
        {
            yield return $"Predicate '{predicate}' is not registered (AddRetentionPredicate in code).";
        }

        foreach (var failure in policy.Conditions.SelectMany(ValidateCondition))
        {
            yield return failure;
        }

        foreach (var failure in ValidateAction(policy, options))
        {
            yield return failure;
        }
    }

    private static IEnumerable<string> ValidateCondition(RetentionCondition condition, int index)
    {
        var label = $"Conditions:{index}";
        if (string.IsNullOrWhiteSpace(condition.Column))
        {
            yield return $"{label}: Column is required.";
        }

        switch (condition.Operator)
        {
            case RetentionOperator.In or RetentionOperator.NotIn when condition.Values.Count == 0:
                yield return $"{label}: {condition.Operator} needs Values.";
                break;
            case RetentionOperator.IsNull or RetentionOperator.IsNotNull when condition.Value is not null || condition.Values.Count > 0:
                yield return $"{label}: {condition.Operator} takes no value.";
                break;
            case RetentionOperator.Equal or RetentionOperator.NotEqual or RetentionOperator.LessThan or RetentionOperator.LessThanOrEqual
                or RetentionOperator.GreaterThan or RetentionOperator.GreaterThanOrEqual when condition.Value is null:
                yield return $"{label}: {condition.Operator} needs a Value.";
                break;
            case var op when !Enum.IsDefined(op):
                yield return $"{label}: Operator '{op}' is not one of {string.Join(", ", Enum.GetNames<RetentionOperator>())}.";
                break;
        }
    }

    private static IEnumerable<string> ValidateAction(RetentionPolicyOptions policy, RetentionOptions options)
    {
        if (policy.Action != RetentionAction.Anonymize && (policy.Anonymize.Count > 0 || policy.MarkerColumn is not null))
        {
            yield return "Anonymize and MarkerColumn are only used by the Anonymize action.";
        }

        if (policy.Action != RetentionAction.DropPartitions && policy.ArchivePartitions)
        {
            yield return "ArchivePartitions is only used by the DropPartitions action.";
        }

        if (policy.Action == RetentionAction.DropPartitions && (policy.Conditions.Count > 0 || policy.Predicate is not null))
        {
            yield return "DropPartitions drops whole partitions: Conditions and Predicate cannot apply.";
        }

        if (policy.Action != RetentionAction.Anonymize)
        {
            yield break;
        }

        if (policy.Anonymize.Count == 0)
        {
            yield return "Anonymize needs at least one column rule.";
        }

        foreach (var (rule, i) in policy.Anonymize.Select((r, i) => (r, i)))
        {
            var label = $"Anonymize:{i} ('{rule.Column}')";
            if (string.IsNullOrWhiteSpace(rule.Column))
            {
                yield return $"{label}: Column is required.";
            }

            if (rule.Method == AnonymizeMethod.Fixed && rule.Value is null)
            {
                yield return $"{label}: Fixed needs a Value.";
            }

            if (rule.Method == AnonymizeMethod.Function && PgIdentifiers.SplitQualified(rule.Function ?? string.Empty) is null)
            {
                yield return $"{label}: Function must be schema.function.";
            }

            if (rule.Method == AnonymizeMethod.Hmac && string.IsNullOrEmpty(options.HmacKey))
            {
                yield return $"{label}: Hmac needs {RetentionOptions.SectionPath}:HmacKey.";
            }

            if (rule.Method is AnonymizeMethod.Hmac or AnonymizeMethod.Function && string.IsNullOrWhiteSpace(policy.MarkerColumn))
            {
                yield return $"{label}: {rule.Method} needs MarkerColumn, so that no row is processed twice.";
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex PolicyName();
}
