using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Migrations;

/// <summary>Checks <see cref="MigrationsOptions"/>; messages name the option path.</summary>
internal sealed class MigrationsOptionsValidator : IValidateOptions<MigrationsOptions>
{
    public ValidateOptionsResult Validate(string? name, MigrationsOptions options)
    {
        const string path = MigrationsOptions.SectionPath;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory))
        {
            failures.Add($"{path}:Directory is required.");
        }

        if (options.LockTimeout < TimeSpan.Zero)
        {
            failures.Add($"{path}:LockTimeout must not be negative.");
        }

        if (options.SourceLedger is { } tool && !ForeignLedger.Tools.Contains(tool))
        {
            failures.Add($"{path}:SourceLedger '{tool}' is not one of {string.Join(", ", ForeignLedger.Tools)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
