using Microsoft.Extensions.Options;

namespace DataGuard.Postgres.Export;

/// <summary>Checks the export options' shape at start-up (the catalog check runs when the data map is built).</summary>
internal sealed class ExportOptionsValidator : IValidateOptions<ExportOptions>
{
    private static readonly string[] KnownFormats = ["json", "csv", "pdf"];

    public ValidateOptionsResult Validate(string? name, ExportOptions options)
    {
        const string path = ExportOptions.SectionPath;
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.Subject.Table) && PgIdentifiers.SplitQualified(options.Subject.Table) is null)
        {
            failures.Add($"{path}:Subject:Table must be schema.table (is '{options.Subject.Table}').");
        }

        if (!string.IsNullOrEmpty(options.Subject.Table) && string.IsNullOrWhiteSpace(options.Subject.Key))
        {
            failures.Add($"{path}:Subject:Key is required.");
        }

        foreach (var (link, i) in options.Links.Select((l, i) => (l, i)))
        {
            if (ColumnPath.Parse(link.From) is null || ColumnPath.Parse(link.To) is null)
            {
                failures.Add($"{path}:Links:{i}: From and To must be schema.table.column (are '{link.From}' and '{link.To}').");
            }
        }

        foreach (var table in options.ExcludeTables.Where(t => PgIdentifiers.SplitQualified(t) is null))
        {
            failures.Add($"{path}:ExcludeTables: '{table}' is not schema.table.");
        }

        foreach (var entry in options.Exclude.Where(e => ColumnPath.Parse(e) is null && PgIdentifiers.SplitQualified(e) is null))
        {
            failures.Add($"{path}:Exclude: '{entry}' is neither schema.table.column nor schema.table.");
        }

        if (options.Redaction.Mode == RedactionMode.Allowlist && options.Redaction.Allow.Count == 0)
        {
            failures.Add($"{path}:Redaction:Allow must list columns in Allowlist mode (nothing would leave).");
        }

        foreach (var format in options.DefaultFormats.Where(f => !KnownFormats.Contains(f, StringComparer.OrdinalIgnoreCase)))
        {
            failures.Add($"{path}:DefaultFormats: '{format}' is not one of {string.Join(", ", KnownFormats)}.");
        }

        if (options.LinkLifetime <= TimeSpan.Zero || options.LinkLifetime > TimeSpan.FromDays(7))
        {
            failures.Add($"{path}:LinkLifetime must be positive and at most 7 days (S3 presigned links' limit; is {options.LinkLifetime}).");
        }

        if (options.RateLimit < TimeSpan.Zero)
        {
            failures.Add($"{path}:RateLimit must not be negative.");
        }

        if (options.PollInterval <= TimeSpan.Zero || options.StaleAfter <= TimeSpan.Zero)
        {
            failures.Add($"{path}:PollInterval and StaleAfter must be positive.");
        }

        if (options.MaxAttempts < 1)
        {
            failures.Add($"{path}:MaxAttempts must be at least 1.");
        }

        if (options.MaxOutageAttempts < 0)
        {
            failures.Add($"{path}:MaxOutageAttempts must be 0 or more.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
