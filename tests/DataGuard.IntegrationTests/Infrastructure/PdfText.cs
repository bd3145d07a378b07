namespace DataGuard.IntegrationTests.Infrastructure;

/// <summary>The text of a PDF, as poppler's pdftotext reads it (installed by .ci/run and scripts/services.sh --install).</summary>
public static class PdfText
{
    public static async Task<string> ExtractAsync(string path, int? page = null)
    {
        string[] pages = page is { } p ? ["-f", p.ToString(System.Globalization.CultureInfo.InvariantCulture), "-l", p.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        var result = await ProcessRunner.RunAsync("pdftotext", [.. pages, "-enc", "UTF-8", path, "-"]);
        Assert.True(result.ExitCode == 0, result.Error);
        return result.Output;
    }
}
