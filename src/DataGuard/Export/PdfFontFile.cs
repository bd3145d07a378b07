using System.Buffers.Binary;

namespace DataGuard.Export;

/// <summary>
/// One font file as the PDF exporter sees it: which characters its <c>cmap</c> maps to a glyph, and whether PDFsharp
/// can embed it at all (TrueType outlines in a single-font file; colour fonts such as Noto Color Emoji keep their
/// glyphs as CBDT bitmaps or COLR layers, and font collections (<c>.ttc</c>) are not supported by PDFsharp).
/// </summary>
internal sealed class PdfFontFile
{
    private readonly int[] _starts;
    private readonly int[] _ends;

    private PdfFontFile(string path, string? unusable, List<(int Start, int End)> ranges)
    {
        Path = path;
        Unusable = unusable;
        _starts = ranges.Select(r => r.Start).ToArray();
        _ends = ranges.Select(r => r.End).ToArray();
    }

    /// <summary>Gets the file.</summary>
    public string Path { get; }

    /// <summary>Gets the file's name without its extension, as reports name the font (e.g. <c>DejaVuSans</c>).</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    /// <summary>Gets why PDFsharp cannot use the font, or <see langword="null"/> when it can.</summary>
    public string? Unusable { get; }

    /// <summary>Gets how many code points the font maps to a glyph.</summary>
    public int Count => _starts.Select((s, i) => _ends[i] - s + 1).Sum();

    /// <summary>Whether the font has a glyph for the code point.</summary>
    /// <param name="codePoint">The code point.</param>
    /// <returns>True when its cmap maps it to a glyph other than .notdef.</returns>
    public bool Covers(int codePoint)
    {
        var i = Array.BinarySearch(_starts, codePoint);
        if (i >= 0)
        {
            return true;
        }

        i = ~i - 1;
        return i >= 0 && codePoint <= _ends[i];
    }

    /// <summary>Reads a font's tables; <see langword="null"/> when the file is not a font at all.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The font, possibly with <see cref="Unusable"/> set.</returns>
    public static PdfFontFile? Read(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        try
        {
            return Parse(path, data);
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidDataException)
        {
            return null;
        }
    }

    private static PdfFontFile? Parse(string path, byte[] data)
    {
        if (data.Length < 12)
        {
            return null;
        }

        var magic = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (magic == 0x74746366)
        {
            return new PdfFontFile(path, "a font collection (.ttc): PDFsharp embeds single fonts only", []);
        }

        if (magic is not (0x00010000 or 0x74727565 or 0x4F54544F))
        {
            return null;
        }

        var tables = new Dictionary<string, (int Offset, int Length)>(StringComparer.Ordinal);
        int count = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(4));
        for (var i = 0; i < count; i++)
        {
            var entry = data.AsSpan(12 + (i * 16), 16);
            var tag = System.Text.Encoding.ASCII.GetString(entry[..4]);
            tables[tag] = ((int)BinaryPrimitives.ReadUInt32BigEndian(entry[8..]), (int)BinaryPrimitives.ReadUInt32BigEndian(entry[12..]));
        }

        var (ranges, windows) = tables.TryGetValue("cmap", out var cmap) ? ReadCmap(data.AsSpan(cmap.Offset, cmap.Length)) : ([], false);
        string? unusable = null;
        if (tables.ContainsKey("CBDT") || tables.ContainsKey("sbix") || tables.ContainsKey("COLR") || tables.ContainsKey("SVG "))
        {
            unusable = "a colour font (bitmap or layered glyphs): PDFsharp cannot embed it; use a monochrome font such as Symbola or Noto Emoji";
        }
        else if (!tables.ContainsKey("glyf") || !tables.ContainsKey("loca"))
        {
            unusable = "no TrueType outlines (PostScript/CFF outlines): PDFsharp embeds TrueType outlines only";
        }
        else if (ranges.Count == 0)
        {
            unusable = "no Unicode character map";
        }
        else if (!windows)
        {
            unusable = "only a Unicode-platform (0) character map: PDFsharp reads Windows (platform 3) character maps only, so its characters would be drawn as empty boxes";
        }

        return new PdfFontFile(path, unusable, ranges);
    }

    /// <summary>The code point ranges of the best Unicode subtable (Windows before Unicode platform, since PDFsharp reads the Windows one; format 12 before format 4), and whether the font has a Windows Unicode subtable (3,1 or 3,10), the only ones PDFsharp reads.</summary>
    private static (List<(int Start, int End)> Ranges, bool Windows) ReadCmap(ReadOnlySpan<byte> cmap)
    {
        var windows = false;
        int count = BinaryPrimitives.ReadUInt16BigEndian(cmap[2..]);
        int best = -1, bestRank = 0;
        for (var i = 0; i < count; i++)
        {
            var record = cmap.Slice(4 + (i * 8), 8);
            int platform = BinaryPrimitives.ReadUInt16BigEndian(record);
            int encoding = BinaryPrimitives.ReadUInt16BigEndian(record[2..]);
            var offset = (int)BinaryPrimitives.ReadUInt32BigEndian(record[4..]);
            int format = BinaryPrimitives.ReadUInt16BigEndian(cmap[offset..]);
            windows |= (platform, encoding, format) is (3, 10, 12) or (3, 1, 4);
            var rank = (platform, encoding, format) switch
            {
                (3, 10, 12) => 5,
                (3, 1, 4) => 4,
                (0, 4, 12) or (0, 6, 12) => 3,
                (0, 3, 4) => 2,
                (0, _, 4) => 1,
                _ => 0,
            };
            if (rank > bestRank)
            {
                (best, bestRank) = (offset, rank);
            }
        }

        var ranges = new List<(int Start, int End)>();
        if (best < 0)
        {
            return (ranges, windows);
        }

        var table = cmap[best..];
        if (BinaryPrimitives.ReadUInt16BigEndian(table) == 12)
        {
            var groups = (int)BinaryPrimitives.ReadUInt32BigEndian(table[12..]);
            for (var g = 0; g < groups; g++)
            {
                var group = table.Slice(16 + (g * 12), 12);
                var start = (int)BinaryPrimitives.ReadUInt32BigEndian(group);
                var end = (int)BinaryPrimitives.ReadUInt32BigEndian(group[4..]);
                var glyph = BinaryPrimitives.ReadUInt32BigEndian(group[8..]);
                Add(ranges, glyph == 0 ? start + 1 : start, end);
            }
        }
        else
        {
            ReadFormat4(table, ranges);
        }

        ranges.Sort();
        return (Merge(ranges), windows);
    }

    private static void ReadFormat4(ReadOnlySpan<byte> table, List<(int Start, int End)> ranges)
    {
        var segments = BinaryPrimitives.ReadUInt16BigEndian(table[6..]) / 2;
        var ends = 14;
        var starts = ends + (segments * 2) + 2;
        var deltas = starts + (segments * 2);
        var rangeOffsets = deltas + (segments * 2);
        for (var s = 0; s < segments; s++)
        {
            int end = BinaryPrimitives.ReadUInt16BigEndian(table[(ends + (s * 2))..]);
            int start = BinaryPrimitives.ReadUInt16BigEndian(table[(starts + (s * 2))..]);
            int delta = BinaryPrimitives.ReadInt16BigEndian(table[(deltas + (s * 2))..]);
            var rangeOffsetAt = rangeOffsets + (s * 2);
            int rangeOffset = BinaryPrimitives.ReadUInt16BigEndian(table[rangeOffsetAt..]);
            if (start == 0xFFFF)
            {
                continue;
            }

            var runStart = -1;
            for (var c = start; c <= end; c++)
            {
                int glyph;
                if (rangeOffset == 0)
                {
                    glyph = (c + delta) & 0xFFFF;
                }
                else
                {
                    var at = rangeOffsetAt + rangeOffset + ((c - start) * 2);
                    glyph = at + 1 < table.Length ? BinaryPrimitives.ReadUInt16BigEndian(table[at..]) : 0;
                    glyph = glyph == 0 ? 0 : (glyph + delta) & 0xFFFF;
                }

                if (glyph != 0 && runStart < 0)
                {
                    runStart = c;
                }
                else if (glyph == 0 && runStart >= 0)
                {
                    Add(ranges, runStart, c - 1);
                    runStart = -1;
                }
            }

            if (runStart >= 0)
            {
                Add(ranges, runStart, end);
            }
        }
    }

    private static void Add(List<(int Start, int End)> ranges, int start, int end)
    {
        if (start <= end)
        {
            ranges.Add((start, end));
        }
    }

    private static List<(int Start, int End)> Merge(List<(int Start, int End)> sorted)
    {
        var merged = new List<(int Start, int End)>(sorted.Count);
        foreach (var range in sorted)
        {
            if (merged.Count > 0 && range.Start <= merged[^1].End + 1)
            {
                merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, range.End));
            }
            else
            {
                merged.Add(range);
            }
        }

        return merged;
    }
}
