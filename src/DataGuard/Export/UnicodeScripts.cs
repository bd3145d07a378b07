using System.Text;

namespace DataGuard.Export;

/// <summary>
/// Unicode script names (as in Unicode's Scripts.txt, by block: close enough to tell a reader which writing system
/// lacks a font), and one sample text per script for <c>dataguard doctor</c>.
/// </summary>
internal static class UnicodeScripts
{
    /// <summary>Scripts with a few characters each that a font must cover to show that script.</summary>
    public static readonly IReadOnlyList<(string Script, string Sample)> Samples =
    [
        ("Latin", "AaÀéŁž"),
        ("Greek", "ΑαΩω"),
        ("Cyrillic", "АаЖжЯя"),
        ("Armenian", "Աա"),
        ("Hebrew", "אבג"),
        ("Arabic", "ابت"),
        ("Devanagari", "कखग"),
        ("Bengali", "কখ"),
        ("Tamil", "கங"),
        ("Thai", "กขค"),
        ("Georgian", "აბგ"),
        ("Ethiopic", "ሀሁ"),
        ("Hangul", "한국어"),
        ("Hiragana", "ひらがな"),
        ("Katakana", "カタカナ"),
        ("Han", "漢字中文"),
        ("Emoji", "😀👍🎉"),
    ];

    private static readonly (int Start, int End, string Script)[] Blocks =
    [
        (0x0000, 0x024F, "Latin"), (0x0250, 0x02FF, "Latin"), (0x0300, 0x036F, "Inherited"), (0x0370, 0x03FF, "Greek"),
        (0x0400, 0x052F, "Cyrillic"), (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"),
        (0x0700, 0x074F, "Syriac"), (0x0750, 0x077F, "Arabic"), (0x0780, 0x07BF, "Thaana"), (0x07C0, 0x07FF, "NKo"), (0x0800, 0x083F, "Samaritan"),
        (0x0840, 0x085F, "Mandaic"), (0x0860, 0x086F, "Syriac"), (0x0870, 0x08FF, "Arabic"), (0x0900, 0x097F, "Devanagari"),
        (0x0980, 0x09FF, "Bengali"), (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"), (0x0B00, 0x0B7F, "Oriya"),
        (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"), (0x0D00, 0x0D7F, "Malayalam"),
        (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Lao"), (0x0F00, 0x0FFF, "Tibetan"),
        (0x1000, 0x109F, "Myanmar"), (0x10A0, 0x10FF, "Georgian"), (0x1100, 0x11FF, "Hangul"), (0x1200, 0x139F, "Ethiopic"),
        (0x13A0, 0x13FF, "Cherokee"), (0x1400, 0x167F, "Canadian Aboriginal"), (0x1780, 0x17FF, "Khmer"), (0x1800, 0x18AF, "Mongolian"),
        (0x1E00, 0x1EFF, "Latin"), (0x1F00, 0x1FFF, "Greek"), (0x2000, 0x2BFF, "Common"), (0x2C60, 0x2C7F, "Latin"),
        (0x2D00, 0x2D2F, "Georgian"), (0x2DE0, 0x2DFF, "Cyrillic"), (0x2E80, 0x2FDF, "Han"), (0x3000, 0x303F, "Common"),
        (0x3040, 0x309F, "Hiragana"), (0x30A0, 0x30FF, "Katakana"), (0x3100, 0x312F, "Bopomofo"), (0x3130, 0x318F, "Hangul"),
        (0x31F0, 0x31FF, "Katakana"), (0x3200, 0x33FF, "Common"), (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"),
        (0xA000, 0xA4CF, "Yi"), (0xA640, 0xA69F, "Cyrillic"), (0xA720, 0xA7FF, "Latin"), (0xAC00, 0xD7AF, "Hangul"),
        (0xF900, 0xFAFF, "Han"), (0xFB1D, 0xFB4F, "Hebrew"), (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"), (0xFF00, 0xFFEF, "Common"),
        (0x1F000, 0x1F0FF, "Common"), (0x1F100, 0x1F1FF, "Common"), (0x1F300, 0x1FAFF, "Emoji"), (0x20000, 0x3134F, "Han"),
    ];

    /// <summary>
    /// Code points PDFsharp draws wrongly because it does no text shaping and no bidirectional reordering: right-to-left
    /// scripts (bidi classes R and AL: Hebrew, Arabic, Syriac, Thaana, NKo, ..., and the right-to-left ranges of the
    /// supplementary planes) are drawn left to right in stored order, Arabic letters unjoined; Indic, Southeast Asian,
    /// Tibetan and Mongolian scripts need reordering, conjuncts or mark positioning.
    /// </summary>
    private static readonly (int Start, int End)[] Complex =
    [
        (0x0590, 0x08FF), (0x0900, 0x0DFF), (0x0E00, 0x0FFF), (0x1000, 0x109F), (0x1780, 0x18AF), (0x1A00, 0x1AAF),
        (0x1B00, 0x1B7F), (0xA800, 0xA82F), (0xA980, 0xA9DF), (0xAA00, 0xAA5F), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFC),
        (0x10800, 0x10FFF), (0x11000, 0x111FF), (0x1E800, 0x1EFFF),
    ];

    /// <summary>The scripts of a text that PDFsharp would draw unshaped or in the wrong order (see <see cref="Complex"/>), each named once, in order of appearance.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The scripts' names; empty for text that is drawn right (Latin, Greek, Cyrillic, CJK, emoji, ...).</returns>
    public static List<string> Unshaped(string text)
    {
        var scripts = new List<string>();
        foreach (var c in text)
        {
            // Fast path: what is below U+0590 or in the CJK and Hangul ranges is drawn right (surrogates are looked at).
            if (c < 0x0590 || (c >= 0x1100 && c < 0x1780) || (c >= 0x1B80 && c < 0xA800) || (c >= 0xAB00 && c < 0xD800) || (c >= 0xE000 && c < 0xFB1D))
            {
                continue;
            }

            foreach (var rune in text.EnumerateRunes())
            {
                if (IsComplex(rune.Value))
                {
                    var script = Of(rune);
                    script = script.StartsWith("U+", StringComparison.Ordinal) ? "right-to-left or complex scripts" : script;
                    if (!scripts.Contains(script, StringComparer.Ordinal))
                    {
                        scripts.Add(script);
                    }
                }
            }

            break;
        }

        return scripts;
    }

    /// <summary>The script of a code point, or <c>U+XXXX</c> where the table has none.</summary>
    /// <param name="rune">The character.</param>
    /// <returns>The script's name.</returns>
    public static string Of(Rune rune)
    {
        var value = rune.Value;
        int low = 0, high = Blocks.Length - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var block = Blocks[middle];
            if (value < block.Start)
            {
                high = middle - 1;
            }
            else if (value > block.End)
            {
                low = middle + 1;
            }
            else
            {
                return block.Script;
            }
        }

        return $"U+{value:X4}";
    }

    /// <summary>Whether a character may be left out when no font has it without losing anything a reader sees (joiners, variation selectors).</summary>
    /// <param name="rune">The character.</param>
    /// <returns>True for invisible formatting characters.</returns>
    public static bool IsIgnorable(Rune rune) =>
        rune.Value is 0x200B or 0x200C or 0x200D or 0x200E or 0x200F or 0x2060 or 0xFEFF or (>= 0xFE00 and <= 0xFE0F) or (>= 0xE0100 and <= 0xE01EF) or (>= 0xE0020 and <= 0xE007F);

    private static bool IsComplex(int value)
    {
        foreach (var (start, end) in Complex)
        {
            if (value >= start && value <= end)
            {
                return true;
            }
        }

        return false;
    }
}
