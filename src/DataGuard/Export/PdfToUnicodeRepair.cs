using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;
using PdfSharp.Pdf.IO;

namespace DataGuard.Export;

/// <summary>
/// Repairs PDFsharp 6.2's ToUnicode maps for characters beyond the Basic Multilingual Plane (emoji, rare CJK):
/// it writes the code point itself (<c>&lt;1F370&gt;</c>) where a ToUnicode CMap needs UTF-16BE
/// (<c>&lt;D83CDF70&gt;</c>), so text extraction, search and screen readers read such characters wrongly (the glyphs
/// are drawn right). The saved document is opened again and each such map rewritten; documents without such
/// characters are left as they are.
/// </summary>
internal static partial class PdfToUnicodeRepair
{
    /// <summary>Rewrites the ToUnicode maps of a saved PDF.</summary>
    /// <param name="pdf">The saved document; read from its start.</param>
    /// <returns>The repaired document, or <see langword="null"/> when nothing needed repair.</returns>
    public static MemoryStream? Repair(MemoryStream pdf)
    {
        pdf.Position = 0;
        using var document = PdfReader.Open(pdf, PdfDocumentOpenMode.Modify);
        var repaired = 0;
        foreach (var item in document.Internals.GetAllObjects())
        {
            if (item is not PdfDictionary { Stream: { } stream } dictionary)
            {
                continue;
            }

            var bytes = stream.UnfilteredValue;
            if (bytes.Length == 0 || bytes.Length > 4_000_000)
            {
                continue;
            }

            var text = Encoding.Latin1.GetString(bytes);
            if (!text.Contains("beginbfrange", StringComparison.Ordinal) && !text.Contains("beginbfchar", StringComparison.Ordinal))
            {
                continue;
            }

            var fixedText = WideCodePoint().Replace(text, match =>
            {
                var value = Convert.ToInt32(match.Groups[1].Value, 16);
                if (value <= 0xFFFF || value > 0x10FFFF)
                {
                    return match.Value;
                }

                var rune = new Rune(value);
                Span<char> units = stackalloc char[2];
                rune.EncodeToUtf16(units);
                return $"<{(int)units[0]:X4}{(int)units[1]:X4}>";
            });
            if (ReferenceEquals(fixedText, text) || fixedText == text)
            {
                continue;
            }

            dictionary.Elements.Remove("/Filter");
            dictionary.Elements.Remove("/DecodeParms");
            stream.Value = Encoding.Latin1.GetBytes(fixedText);
            repaired++;
        }

        if (repaired == 0)
        {
            return null;
        }

        var output = new MemoryStream();
        document.Save(output, closeStream: false);
        output.Position = 0;
        return output;
    }

    [GeneratedRegex("<([0-9A-Fa-f]{5,6})>", RegexOptions.CultureInvariant)]
    private static partial Regex WideCodePoint();
}
