using System.Globalization;
using Microsoft.Extensions.Options;

namespace DataGuard.Export;

/// <summary>Checks the PDF options at start-up.</summary>
internal sealed partial class PdfExportOptionsValidator : IValidateOptions<PdfExportOptions>
{
    public ValidateOptionsResult Validate(string? name, PdfExportOptions options)
    {
        var failures = new List<string>();
        var path = PdfExportOptions.SectionPath;
        if (options.MaxRowsPerTable is < 1 or > 1_000_000)
        {
            failures.Add($"{path}:MaxRowsPerTable must be between 1 and 1,000,000 (is {options.MaxRowsPerTable}).");
        }

        if (options.MaxCellCharacters is < 100 or > 1_000_000)
        {
            failures.Add($"{path}:MaxCellCharacters must be between 100 and 1,000,000 (is {options.MaxCellCharacters}).");
        }

        if (options.MaxTableColumns is < 1 or > 20)
        {
            failures.Add($"{path}:MaxTableColumns must be between 1 and 20 (is {options.MaxTableColumns}).");
        }

        foreach (var (option, file) in new[] { ("RegularFont", options.RegularFont), ("BoldFont", options.BoldFont), ("FallbackFont", options.FallbackFont) })
        {
            if (file is not null && !File.Exists(file))
            {
                failures.Add($"{path}:{option}: no file at '{file}'.");
            }
        }

        for (var i = 0; i < options.FontPaths.Count; i++)
        {
            if (!File.Exists(options.FontPaths[i]) && !Directory.Exists(options.FontPaths[i]))
            {
                failures.Add($"{path}:FontPaths:{i}: no file or directory at '{options.FontPaths[i]}'.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.Language) || !IsCulture(options.Language))
        {
            failures.Add($"{path}:Language: '{options.Language}' is not a language tag such as en or fr-FR.");
        }

        if (options.Culture is not null && !IsCulture(options.Culture))
        {
            failures.Add($"{path}:Culture: '{options.Culture}' is not a known culture (e.g. fr-FR).");
        }

        if (options.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone, out _))
        {
            failures.Add($"{path}:TimeZone: '{options.TimeZone}' is not a known time zone (IANA id such as Europe/Paris).");
        }

        foreach (var (table, settings) in options.Tables)
        {
            if (string.IsNullOrWhiteSpace(table) || settings is null)
            {
                failures.Add($"{path}:Tables: an entry has no table name or no settings.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Whether a name is a culture .NET knows (with invariant globalization only the invariant culture exists: then any well-formed tag passes).</summary>
    internal static bool IsCulture(string name)
    {
        try
        {
            var culture = CultureInfo.GetCultureInfo(name, predefinedOnly: true);
            return culture.Name.Length > 0 || name.Length == 0;
        }
        catch (CultureNotFoundException) when (InvariantGlobalization)
        {
            // A host with invariant globalization (common in containers) knows no culture but the invariant one.
            return WellFormedTag().IsMatch(name);
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }

    private static bool InvariantGlobalization =>
        (AppContext.TryGetSwitch("System.Globalization.Invariant", out var invariant) && invariant)
        || Environment.GetEnvironmentVariable("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT") is "1" or "true";

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex WellFormedTag();
}
