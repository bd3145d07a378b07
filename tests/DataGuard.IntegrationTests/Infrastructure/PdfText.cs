namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>The text of a PDF, as poppler's pdftotext reads it (installed by .ci/run and scripts/services.sh --install).</summary>
public static class PdfText
{
    /// <summary>The text of a PDF (or of one page); with <paramref name="raw"/>, in the order it was drawn (a table cell's wrapped lines stay together).</summary>
    public static async Task<string> ExtractAsync(string path, int? page = null, bool raw = false)
    {
        string[] pages = page is { } p ? ["-f", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", p.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        string[] mode = raw ? ["-raw"] : [];
        var result = await ProcessRunner.RunAsync("pdftotext", [.. pages, .. mode, "-enc", "UTF-8", path, "-"]);
        Assert.True(result.ExitCode == 0, result.Error);
        return result.Output;
    }

    /// <summary>The page count, as poppler's pdfinfo reads it.</summary>
    public static async Task<int> PagesAsync(string path)
    {
        var result = await ProcessRunner.RunAsync("pdfinfo", [path]);
        Assert.True(result.ExitCode == 0, result.Error);
        var line = result.Output.Split('\n').Single(l => l.StartsWith("Pages:", StringComparison.Ordinal));
        return int.Parse(line["Pages:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
