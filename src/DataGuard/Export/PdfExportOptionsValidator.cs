using Microsoft.Extensions.Options;

namespace DataGuard.Export;

/// <summary>Checks the PDF options at start-up.</summary>
internal sealed class PdfExportOptionsValidator : IValidateOptions<PdfExportOptions>
{
    public ValidateOptionsResult Validate(string? name, PdfExportOptions options)
    {
        var failures = new List<string>();
        if (options.MaxRowsPerTable is < 1 or > 1_000_000)
        {
            failures.Add($"{PdfExportOptions.SectionPath}:MaxRowsPerTable must be between 1 and 1,000,000 (is {options.MaxRowsPerTable}).");
        }

        foreach (var (option, path) in new[] { ("RegularFont", options.RegularFont), ("BoldFont", options.BoldFont), ("FallbackFont", options.FallbackFont) })
        {
            if (path is not null && !File.Exists(path))
            {
                failures.Add($"{PdfExportOptions.SectionPath}:{option}: no file at '{path}'.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
