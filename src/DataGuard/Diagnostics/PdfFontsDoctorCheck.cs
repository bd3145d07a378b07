using System.Text;
using DataGuard.Export;
using Microsoft.Extensions.Options;

namespace DataGuard.Diagnostics;

/// <summary>
/// Doctor check: the fonts PDF exports can use, and which scripts (Unicode script names) no font covers: their
/// characters would show as U+FFFD in a PDF (which says so on its first page; JSON and CSV hold them exactly).
/// </summary>
internal sealed class PdfFontsDoctorCheck(IOptions<PdfExportOptions> options) : IDoctorCheck
{
    public string Name => "pdf fonts";

    public int Order => 300;

    public Task<IReadOnlyList<DoctorCheckResult>> RunAsync(CancellationToken cancellationToken = default)
    {
        PdfExportOptions settings;
        try
        {
            settings = options.Value;
        }
        catch (OptionsValidationException ex)
        {
            return Task.FromResult<IReadOnlyList<DoctorCheckResult>>([DoctorCheckResult.Fail(Name, "not checked: the PDF options are invalid", string.Join(" ", OptionsFailures.Of(ex)))]);
        }

        var fonts = PdfFontSet.Scan(settings);
        var all = fonts.All();
        var results = new List<DoctorCheckResult>();
        if (all.Count == 0 || fonts.FontFor(new Rune('a')) < 0)
        {
            results.Add(DoctorCheckResult.Fail(Name, "no usable TrueType font covers Latin letters: PDF exports fail", "apt-get install fonts-dejavu-core, or set DataGuard:Export:Pdf:FontPaths"));
            return Task.FromResult<IReadOnlyList<DoctorCheckResult>>(results);
        }

        var covered = new List<string>();
        var missing = new List<string>();
        foreach (var (script, sample) in UnicodeScripts.Samples)
        {
            var indexes = sample.EnumerateRunes().Select(fonts.FontFor).ToList();
            if (indexes.Any(i => i < 0))
            {
                missing.Add(script);
            }
            else
            {
                covered.Add($"{script} ({string.Join("+", indexes.Distinct().Select(i => fonts.Font(i).Name))})");
            }
        }

        results.Add(DoctorCheckResult.Ok(Name, $"{all.Count} usable fonts, text in {fonts.Font(fonts.Primary()).Name}; scripts with a font: {string.Join(", ", covered)}"));
        results.Add(missing.Count == 0
            ? DoctorCheckResult.Ok($"{Name} missing", "every checked script has a font")
            : DoctorCheckResult.Ok($"{Name} missing", $"no font for: {string.Join(", ", missing)}. PDF exports show \uFFFD for these characters and say so on their first page (JSON and CSV hold them exactly); install fonts that cover them (e.g. fonts-noto-core, fonts-noto-cjk, fonts-symbola) or add them to DataGuard:Export:Pdf:FontPaths"));
        foreach (var (path, reason) in fonts.Skipped.Take(5))
        {
            results.Add(DoctorCheckResult.Ok($"{Name} skipped", $"{Path.GetFileName(path)}: {reason}"));
        }

        return Task.FromResult<IReadOnlyList<DoctorCheckResult>>(results);
    }
}
