using PdfSharp.Fonts;

namespace DataGuard.Export;

/// <summary>
/// Serves font files to PDFsharp by path: the family name <c>dg|/path/to/font.ttf</c> (with <c>|bold</c> for a
/// simulated bold) is the file. PDFsharp's resolver is process-wide: DataGuard installs this one as the resolver when
/// the application has none, else as the fallback resolver (asked for the families the application's resolver does
/// not know), so that a host's own fonts keep working.
/// </summary>
internal sealed class PdfFonts : IFontResolver
{
    private const string Prefix = "dg|";
    private const string SimulatedBold = "|bold";
    private static readonly Lock Gate = new();
    private static bool _installed;

    private PdfFonts()
    {
    }

    /// <summary>Installs the resolver once per process.</summary>
    /// <exception cref="DataGuardException">PDFsharp already resolved fonts through a resolver that does not know DataGuard's.</exception>
    public static void Install()
    {
        lock (Gate)
        {
            if (_installed)
            {
                return;
            }

            try
            {
                if (GlobalFontSettings.FontResolver is null)
                {
                    GlobalFontSettings.FontResolver = new PdfFonts();
                }
                else if (GlobalFontSettings.FallbackFontResolver is null)
                {
                    GlobalFontSettings.FallbackFontResolver = new PdfFonts();
                }
            }
            catch (InvalidOperationException ex)
            {
                throw new DataGuardException("PDF export: PDFsharp's font resolvers are taken and fonts were used already, so DataGuard cannot serve its fonts; set GlobalFontSettings.FallbackFontResolver to null before using PDFsharp, or let DataGuard export first.", ex) { Operation = "export" };
            }

            _installed = true;
        }
    }

    /// <summary>The family name of a font file: the family names one face, whatever style XFont asks for.</summary>
    /// <param name="path">The face's file.</param>
    /// <param name="simulateBold">Whether PDFsharp should embolden it (a font without a bold face).</param>
    /// <returns>The family name to give XFont.</returns>
    public static string Family(string path, bool simulateBold) => Prefix + path + (simulateBold ? SimulatedBold : string.Empty);

    /// <inheritdoc />
    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic)
    {
        if (!familyName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        return familyName.EndsWith(SimulatedBold, StringComparison.Ordinal)
            ? new FontResolverInfo(familyName[..^SimulatedBold.Length], mustSimulateBold: true, mustSimulateItalic: false)
            : new FontResolverInfo(familyName, mustSimulateBold: false, mustSimulateItalic: false);
    }

    /// <inheritdoc />
    public byte[]? GetFont(string faceName)
    {
        if (!faceName.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var path = faceName[Prefix.Length..];
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }
}
