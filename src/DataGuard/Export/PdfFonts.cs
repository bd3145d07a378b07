using PdfSharp.Fonts;

namespace DataGuard.Export;

/// <summary>
/// The fonts of PDF exports, served to PDFsharp from files: DejaVu Sans (regular and bold) for text, and a CJK
/// fallback (Droid Sans Fallback) where one is installed. PDFsharp's resolver is process-wide: DataGuard installs
/// its own only when the application has none.
/// </summary>
internal sealed class PdfFonts : IFontResolver
{
    public const string Text = "DataGuard Text";
    public const string Fallback = "DataGuard Fallback";
    private static readonly Lock Gate = new();
    private static PdfFonts? _installed;
    private readonly Dictionary<string, string> _files;

    private PdfFonts(Dictionary<string, string> files) => _files = files;

    public bool HasFallback => _files.ContainsKey(Fallback);

    /// <summary>Installs the resolver once per process (the first options win: PDFsharp allows one resolver).</summary>
    public static PdfFonts Install(PdfExportOptions options)
    {
        lock (Gate)
        {
            if (_installed is not null)
            {
                return _installed;
            }

            var regular = Find(options.RegularFont, "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
                ?? throw new DataGuardException($"DataGuard:Export:Pdf:RegularFont: no font file found (looked at '{options.RegularFont ?? "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"}'); install fonts-dejavu-core or set the path.");
            var files = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                [Text] = regular,
                [Text + " Bold"] = Find(options.BoldFont, "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf") ?? regular,
            };
            if (Find(options.FallbackFont, "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf") is { } fallback)
            {
                files[Fallback] = fallback;
            }

            var fonts = new PdfFonts(files);
            if (GlobalFontSettings.FontResolver is null)
            {
                GlobalFontSettings.FontResolver = fonts;
            }

            return _installed = fonts;
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) => familyName switch
    {
        Text => new FontResolverInfo(bold ? Text + " Bold" : Text),
        Fallback when HasFallback => new FontResolverInfo(Fallback),
        _ => null,
    };

    public byte[]? GetFont(string faceName) => _files.TryGetValue(faceName, out var path) ? File.ReadAllBytes(path) : null;

    private static string? Find(string? configured, string standard) =>
        configured is not null ? (File.Exists(configured) ? configured : null) : File.Exists(standard) ? standard : null;
}
